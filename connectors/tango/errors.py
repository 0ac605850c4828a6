"""Errors raised by the Tango connector, sorted by what the agent must do about them.

- ``TangoTransientError``: try again later (lock timeout, deadlock, connection lost).
- ``TangoBusinessError``: this order cannot be written as it is; park it, others go on.
- ``TangoConfigError``: the connector's setup is wrong; nothing will work until IT fixes it.

Every error carries ``message_es`` (for the admin, seller and customer) and an English ``str()``
for the logs. Messages never include passwords or connection strings with ``PWD``.
"""

from __future__ import annotations


class TangoError(Exception):
    """Base of every error the Tango connector raises on purpose."""

    kind = "error"

    def __init__(self, message: str, message_es: str | None = None) -> None:
        super().__init__(message)
        self.message_es = message_es or message


class TangoTransientError(TangoError):
    kind = "transient"


class TangoBusinessError(TangoError):
    kind = "business"


class TangoConfigError(TangoError):
    kind = "configuration"
