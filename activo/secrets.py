"""Secrets (the cloud agent token, the Tango SQL password): the OS vault through keyring.

An environment variable, when set, supplies the secret instead: headless Linux, CI, and the demo
(which hands the agent its token that way so it never lands on disk). It is checked first so a
machine without a usable vault (no backend, locked D-Bus keyring) never blocks or prompts.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

import keyring
import keyring.errors
import structlog

SERVICE = "ACTIVO"

log = structlog.get_logger(__name__)


class SecretName(StrEnum):
    # Names of vault entries, not secrets.
    CLOUD_TOKEN = "cloud-token"  # noqa: S105
    TANGO_PASSWORD = "tango-password"  # noqa: S105


ENV_VARS: Mapping[SecretName, str] = {
    SecretName.CLOUD_TOKEN: "ACTIVO_CLOUD_TOKEN",
    SecretName.TANGO_PASSWORD: "ACTIVO_TANGO_PASSWORD",
}

_LABELS_ES: Mapping[SecretName, str] = {
    SecretName.CLOUD_TOKEN: "el token del agente (se genera en el panel de Castor Pedidos)",
    SecretName.TANGO_PASSWORD: "la contraseña del usuario SQL de Tango",
}


class SecretError(Exception):
    """A secret problem explained for people in ``message_es``."""

    def __init__(self, message: str, message_es: str) -> None:
        super().__init__(message)
        self.message_es = message_es


class SecretMissing(SecretError):
    pass


class VaultUnavailable(SecretError):
    pass


class SecretStore:
    """Reads secrets from the environment or the OS vault; writes them to the vault."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ
        self._vault_failed = False  # once the vault failed, don't ask it (and warn) again

    def get(self, name: SecretName) -> str | None:
        """The secret, or None when neither the environment nor the vault has it."""
        from_env = self._environ.get(ENV_VARS[name], "").strip()
        if from_env:
            return from_env
        if self._vault_failed:
            return None
        try:
            stored = keyring.get_password(SERVICE, name.value)
        except Exception as exc:  # any vault failure means "not available here"
            self._vault_failed = True
            log.warning("keyring_unavailable", entry=name.value, error=type(exc).__name__)
            return None
        return stored or None

    def require(self, name: SecretName) -> str:
        """The secret, or ``SecretMissing`` saying how to set it."""
        value = self.get(name)
        if value is None:
            raise SecretMissing(
                f"secret {name.value} not found in the environment or the vault",
                f"Falta {_LABELS_ES[name]}. Guardalo con `activo secrets set {name.value}` "
                f"o definí la variable de entorno {ENV_VARS[name]}.",
            )
        return value

    def set(self, name: SecretName, value: str) -> None:
        """Store the secret in the OS vault (Windows Credential Manager on the ERP server)."""
        if not value.strip():
            raise SecretError("empty secret", "El valor está vacío: no se guardó nada.")
        try:
            keyring.set_password(SERVICE, name.value, value.strip())
        except Exception as exc:  # report any vault failure the same way
            raise VaultUnavailable(
                f"keyring cannot store {name.value}: {type(exc).__name__}",
                "No hay un almacén de credenciales disponible en este equipo "
                f"({type(exc).__name__}). Usá la variable de entorno {ENV_VARS[name]}.",
            ) from exc
