"""``activo doctor``: every check IT needs after installing or changing something.

The Tango checks are the connector's own (``connectors.tango.doctor``); this adds the cloud:
is there a token, does the cloud answer, does it accept the token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from activo.composition import Startup, cloud_client
from activo.heartbeat import AgentActivity, send_heartbeat
from activo.secrets import SecretError, SecretName
from connectors.cloud.client import CloudError
from connectors.tango import doctor as tango_doctor


@dataclass(frozen=True)
class Check:
    title: str  # Spanish, what was checked
    ok: bool
    hint: str = ""  # Spanish, how to fix it when not ok


def run_doctor(startup: Startup) -> list[Check]:
    """Run every check; never raises for a failed check (each becomes a ✗ with its hint)."""
    source = startup.config.source or "valores por defecto y variables de entorno"
    checks = [Check(f"Configuración válida ({source})", True)]
    checks.extend(_tango_checks(startup))
    checks.extend(_cloud_checks(startup))
    return checks


def _tango_checks(startup: Startup) -> list[Check]:
    return [
        Check(title=result.title_es, ok=result.ok, hint=result.hint_es)
        for result in tango_doctor.run_checks(startup.tango_settings())
    ]


def _cloud_checks(startup: Startup) -> list[Check]:
    url = startup.config.cloud.url
    try:
        client = cloud_client(startup)
    except SecretError as exc:
        return [Check("Token del agente guardado", False, exc.message_es)]
    checks = [Check("Token del agente guardado", True)]
    with client:
        try:
            problem = send_heartbeat(client, AgentActivity(started_at=datetime.now(UTC)))
        except CloudError as exc:  # a bad token raises; everything else comes back as text
            problem = exc.message_es
    checks.append(Check(f"La nube en {url} responde y acepta el token", not problem, problem or ""))
    return checks
