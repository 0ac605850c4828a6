"""The background worker started with the app: sends the outbox, raises agent alerts, tidies up.

Every server process runs one; they cooperate through the database (leases and conditional
UPDATEs), never through memory. Each tick is bounded: at most ``outbox_batch_size`` e-mails.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import smtplib
import time
from datetime import timedelta

from connectors.cloud.server import alerts, outbox, sessions, throttling
from connectors.cloud.server.company_settings import company_settings
from connectors.cloud.server.db import Database
from connectors.cloud.server.mail_compose import MailComposer
from connectors.cloud.server.settings import Settings
from connectors.cloud.server.smtp_sender import (
    MailNotConfigured,
    build_message,
    resolve_smtp,
    send,
)
from connectors.cloud.server.sqltypes import utcnow

log = logging.getLogger(__name__)

HOUSEKEEPING_SECONDS = 300.0
ALERT_CHECK_SECONDS = 5.0
SENT_MAIL_RETENTION = timedelta(days=30)


class BackgroundWorker:
    """One per process; ``run`` until ``stop`` is set."""

    def __init__(self, settings: Settings, db: Database, composer: MailComposer) -> None:
        self.settings = settings
        self.db = db
        self.composer = composer
        self._next_housekeeping = 0.0
        self._next_alert_check = 0.0
        self._unconfigured_pauses = 0  # consecutive "no SMTP host anywhere" failures
        self._mail_paused_until = 0.0

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await asyncio.to_thread(self.tick)
            except Exception:  # a broken tick must not end the worker
                log.exception("background_tick_failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.settings.outbox_poll_seconds)

    def tick(self) -> None:
        now_mono = time.monotonic()
        if now_mono >= self._next_alert_check:
            self._next_alert_check = now_mono + min(ALERT_CHECK_SECONDS,
                                                    self.settings.outbox_poll_seconds)
            with self.db.transaction() as session:
                alerts.check_offline_agents(session, utcnow(),
                                            self.settings.agent_offline_minutes, self.composer)
        self.send_due()
        if now_mono >= self._next_housekeeping:
            self._next_housekeeping = now_mono + HOUSEKEEPING_SECONDS
            self.housekeeping()

    def send_due(self) -> int:
        """Send up to ``outbox_batch_size`` due e-mails; returns how many went out.

        While no SMTP host is configured anywhere nothing can be sent: the worker then only
        reads, and tries one message (recording why it failed, for the admin) after a pause
        that grows like the per-message backoff, instead of claiming and releasing rows (two
        writes each) on every tick.
        """
        with self.db.transaction() as session:
            configured = outbox.smtp_configured_anywhere(session, self.settings.smtp_host)
        if configured:
            self._unconfigured_pauses = 0
        elif time.monotonic() < self._mail_paused_until:
            return 0
        sent = 0
        for _ in range(self.settings.outbox_batch_size):
            with self.db.transaction() as session:
                claimed = outbox.claim_next(session, self.settings.outbox_lease_seconds)
                company = (company_settings(session, claimed.company_id)
                           if claimed and claimed.company_id else None)
                config = None
                error = ""
                if claimed is not None:
                    try:
                        config = resolve_smtp(self.settings, company)
                    except MailNotConfigured as exc:
                        error = str(exc)
            if claimed is None:
                break
            if config is not None:
                try:
                    send(config, build_message(config, claimed.to_addr, claimed.subject,
                                               claimed.body_text, claimed.body_html))
                except (OSError, smtplib.SMTPException) as exc:
                    error = f"{type(exc).__name__}: {exc}"
            with self.db.transaction() as session:
                if error:
                    outbox.mark_retry(session, claimed, error,
                                      self.settings.outbox_retry_seconds)
                else:
                    outbox.mark_sent(session, claimed)
            if error:
                log.warning("mail_send_failed id=%s attempt=%s error=%s",
                            claimed.id, claimed.attempts, error)
                if not configured:
                    self._pause_unconfigured()
                break  # SMTP is likely down: leave the rest for the next tick
            sent += 1
            log.info("mail_sent id=%s", claimed.id)
        return sent

    def _pause_unconfigured(self) -> None:
        self._unconfigured_pauses += 1
        pause = outbox.backoff_seconds(self._unconfigured_pauses,
                                       self.settings.outbox_retry_seconds)
        self._mail_paused_until = time.monotonic() + pause
        log.info("mail_paused reason=no_smtp_host seconds=%.0f", pause)

    def housekeeping(self) -> None:
        now = utcnow()
        with self.db.transaction() as session:
            expired = sessions.delete_expired(session, now)
            policy = throttling.ThrottlePolicy.from_settings(self.settings)
            purged = throttling.purge_old(session, policy, now)
            mails = outbox.purge_sent(session, now - SENT_MAIL_RETENTION)
        if expired or purged or mails:
            log.info("housekeeping sessions_deleted=%s login_failures_deleted=%s "
                     "sent_mails_deleted=%s", expired, purged, mails)
