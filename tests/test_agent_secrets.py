"""Secrets: the environment first, then the OS vault; clear messages when neither has it."""

from __future__ import annotations

import keyring
import keyring.backend
import pytest

from activo.secrets import SecretMissing, SecretName, SecretStore, VaultUnavailable


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A vault that lives only in this test."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.store.get((service, username))

    def set_password(self, service, username, password):
        self.store[(service, username)] = password

    def delete_password(self, service, username):
        self.store.pop((service, username), None)


@pytest.fixture
def memory_vault():
    previous = keyring.get_keyring()
    vault = MemoryKeyring()
    keyring.set_keyring(vault)
    yield vault
    keyring.set_keyring(previous)


def test_env_supplies_the_token_on_a_headless_machine():
    store = SecretStore({"ACTIVO_CLOUD_TOKEN": " tok-123 "})
    assert store.require(SecretName.CLOUD_TOKEN) == "tok-123"


def test_no_vault_backend_falls_back_cleanly():
    # conftest sets PYTHON_KEYRING_BACKEND to keyring's "fail" backend, which raises.
    store = SecretStore({})
    assert store.get(SecretName.TANGO_PASSWORD) is None


def test_a_missing_token_says_how_to_set_it():
    with pytest.raises(SecretMissing) as caught:
        SecretStore({}).require(SecretName.CLOUD_TOKEN)
    message = caught.value.message_es
    assert "activo secrets set cloud-token" in message
    assert "ACTIVO_CLOUD_TOKEN" in message


def test_set_then_get_through_the_vault(memory_vault):
    store = SecretStore({})
    store.set(SecretName.TANGO_PASSWORD, "s3creto")
    assert memory_vault.store == {("ACTIVO", "tango-password"): "s3creto"}
    assert store.get(SecretName.TANGO_PASSWORD) == "s3creto"


def test_the_env_wins_over_the_vault(memory_vault):
    memory_vault.set_password("ACTIVO", "cloud-token", "from-vault")
    assert SecretStore({"ACTIVO_CLOUD_TOKEN": "from-env"}).get(SecretName.CLOUD_TOKEN) == "from-env"
    assert SecretStore({}).get(SecretName.CLOUD_TOKEN) == "from-vault"


def test_storing_without_a_vault_points_at_the_env_var():
    with pytest.raises(VaultUnavailable) as caught:
        SecretStore({}).set(SecretName.TANGO_PASSWORD, "x")
    assert "ACTIVO_TANGO_PASSWORD" in caught.value.message_es
