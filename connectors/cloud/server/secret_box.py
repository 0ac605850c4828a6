"""Company secrets at rest (the SMTP password): encrypted with the server's key, never in clear.

The key comes from ``CASTOR_SECRET_KEY`` (the environment, like every server secret); it may list
several keys separated by commas: the first encrypts, all decrypt, so a key can be rotated by
putting the new one first and, once ``castor-cloud secret-key rotate`` re-encrypted the stored
values, dropping the old one.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

UNREADABLE = "stored secret does not decrypt with CASTOR_SECRET_KEY"


class SecretKeyMissing(RuntimeError):
    """No ``CASTOR_SECRET_KEY``: company secrets can be neither stored nor read."""


class SecretUnreadable(RuntimeError):
    """A stored secret does not decrypt with any configured key (key lost or rotated away)."""


def new_key() -> str:
    """A fresh key for ``CASTOR_SECRET_KEY`` (url-safe base64, 32 random bytes)."""
    return Fernet.generate_key().decode("ascii")


def valid_key(text: str) -> bool:
    try:
        Fernet(text.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return False
    return True


class SecretBox:
    """Encrypts and decrypts short secrets with the configured keys."""

    def __init__(self, keys: tuple[str, ...]) -> None:
        self._fernet = MultiFernet([Fernet(k.encode("ascii")) for k in keys]) if keys else None

    @property
    def available(self) -> bool:
        return self._fernet is not None

    def seal(self, secret: str) -> str:
        """The ciphertext to store (includes a timestamp and an authentication tag)."""
        if self._fernet is None:
            raise SecretKeyMissing("CASTOR_SECRET_KEY is not set")
        return self._fernet.encrypt(secret.encode("utf-8")).decode("ascii")

    def open(self, sealed: str) -> str:
        """The secret behind ``sealed``; raises ``SecretUnreadable`` or ``SecretKeyMissing``."""
        if self._fernet is None:
            raise SecretKeyMissing("CASTOR_SECRET_KEY is not set")
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise SecretUnreadable(UNREADABLE) from None

    def reseal(self, sealed: str) -> str:
        """``sealed`` re-encrypted with the first (current) key."""
        if self._fernet is None:
            raise SecretKeyMissing("CASTOR_SECRET_KEY is not set")
        try:
            return self._fernet.rotate(sealed.encode("ascii")).decode("ascii")
        except InvalidToken:
            raise SecretUnreadable(UNREADABLE) from None
