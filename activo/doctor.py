"""``activo doctor``: every check IT needs after installing or changing something.

The Tango checks are the connector's own (``connectors.tango.doctor``); this adds the cloud:
is there a token, does the cloud answer, does it accept the token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from activo.composition import Startup, cloud_client
from activo.heartbeat import AgentActivity, send_heartbeat
from activo.secrets import SecretError
from connectors.cloud.client import CloudError
from connectors.tango import doctor as tango_doctor


@dataclass(frozen=True)
class Check:
    name: str  # short Spanish name of what was checked
    ok: bool
    message_es: str  # what was found; when not ok, how to fix it


def run_doctor(startup: Startup) -> list[Check]:
    """Run every check; a failed check becomes a ✗ with its hint, never an exception."""
    source = startup.config.source or "valores por defecto y variables de entorno"
    checks = [Check("configuración", True, f"Válida ({source}).")]
    checks.extend(
        Check(result.name, result.ok, result.message_es)
        for result in tango_doctor.run_checks(startup.tango_settings())
    )
    checks.extend(_cloud_checks(startup))
    return checks


def _cloud_checks(startup: Startup) -> list[Check]:
    url = startup.config.cloud.url
    try:
        client = cloud_client(startup)
    except SecretError as exc:
        return [Check("token", False, exc.message_es)]
    checks = [Check("token", True, "El token del agente está guardado.")]
    with client:
        try:
            problem = send_heartbeat(client, AgentActivity(started_at=datetime.now(UTC)))
        except CloudError as exc:  # a bad token raises; other failures come back as text
            problem = exc.message_es
    if problem:
        checks.append(Check("nube", False, problem))
    else:
        checks.append(Check("nube", True, f"La nube en {url} responde y acepta el token."))
    return checks
