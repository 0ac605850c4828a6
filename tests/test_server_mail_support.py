"""A real SMTP server (aiosmtpd) on 127.0.0.1 for the mail tests, plus small helpers.

Not a test module by itself; the mail, accounts and admin tests import from it.
"""

from __future__ import annotations

import email
import email.policy
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from tests.support.postgres import free_port

LINK_RE = re.compile(r"https?://\S+/(?:invitacion|clave/nueva)/[A-Za-z0-9_\-]+")


@dataclass(frozen=True)
class Received:
    rcpt: tuple[str, ...]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        assert body is not None, f"no text/{subtype} part"
        return body.get_content()

    @property
    def text(self) -> str:
        return self.part("plain")

    @property
    def html(self) -> str:
        return self.part("html")

    def link(self) -> str:
        match = LINK_RE.search(self.text)
        assert match, f"no link in {self.text!r}"
        return match.group(0)


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls it by this name
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.sink.lock:
            self.sink.messages.append(Received(tuple(envelope.rcpt_tos), message))
        return "250 OK"


class SmtpSink:
    """Collects every message delivered to it."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.lock = threading.Lock()
        self.messages: list[Received] = []
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    def start(self) -> SmtpSink:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def snapshot(self) -> list[Received]:
        with self.lock:
            return list(self.messages)

    def to(self, address: str) -> list[Received]:
        return [m for m in self.snapshot() if address in m.rcpt]

    def wait_for(self, predicate: Callable[[list[Received]], bool], timeout: float = 20.0,
                 what: str = "messages") -> list[Received]:
        deadline = time.monotonic() + timeout
        while True:
            got = self.snapshot()
            if predicate(got):
                return got
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; got "
                                     f"{[(m.rcpt, m.subject) for m in got]}")
            time.sleep(0.05)


def mail_env(sink_port: int, **extra: str) -> dict[str, str]:
    """Server environment pointing at the sink, with a fast worker."""
    env = {
        "CASTOR_SMTP_HOST": "127.0.0.1",
        "CASTOR_SMTP_PORT": str(sink_port),
        "CASTOR_OUTBOX_POLL_SECONDS": "0.1",
        "CASTOR_OUTBOX_RETRY_SECONDS": "0.2",
        "CASTOR_MAIL_FROM": "Castor Pedidos <pedidos@castor.test>",
    }
    env.update(extra)
    return env
