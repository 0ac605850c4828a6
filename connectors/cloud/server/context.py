"""The objects one app instance is built from, shared by its routes through ``app.state``."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from fastapi.templating import Jinja2Templates

from connectors.cloud.server.db import Database
from connectors.cloud.server.mail_compose import MailComposer
from connectors.cloud.server.orders import LeasePolicy
from connectors.cloud.server.settings import Settings


@dataclass(frozen=True, slots=True)
class AppContext:
    settings: Settings
    db: Database
    templates: Jinja2Templates
    mail: MailComposer

    @property
    def lease_policy(self) -> LeasePolicy:
        return LeasePolicy(
            lease_seconds=self.settings.lease_seconds,
            transient_retry_seconds=self.settings.transient_retry_seconds,
        )


def get_context(request: Request) -> AppContext:
    """FastAPI dependency: the context of the app serving ``request``."""
    return request.app.state.context
