"""Configuration: defaults < TOML < environment, and errors that name the file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from activo.config import ConfigError, load_config, tango_settings

BASE = """
[cloud]
url = "https://pedidos.example.com.ar"

[tango]
connection = "DRIVER={ODBC Driver 17 for SQL Server};SERVER=S;DATABASE=E;UID=activo"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "activo.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_apply_when_the_file_sets_only_the_required_keys(tmp_path):
    config = load_config(_write(tmp_path, BASE), {})
    assert config.cloud.long_poll_seconds == 25
    assert config.tango.talonario == 6
    assert config.tango.commit_stock is False
    assert config.sync.batch_size == 500
    assert config.logging.level == "INFO"


def test_toml_overrides_defaults_and_env_overrides_toml(tmp_path):
    path = _write(tmp_path, BASE + "talonario = 7\ncommit_stock = true\n[sync]\nbatch_size = 50\n")
    config = load_config(path, {"ACTIVO_TANGO_TALONARIO": "9", "ACTIVO_CLOUD_TIMEOUT_SECONDS": "3"})
    assert config.tango.talonario == 9  # env wins over TOML
    assert config.tango.commit_stock is True  # TOML wins over the default
    assert config.sync.batch_size == 50
    assert config.cloud.timeout_seconds == 3.0


def test_env_alone_is_enough_for_a_headless_agent():
    config = load_config(
        None,
        {
            "ACTIVO_CLOUD_URL": "http://127.0.0.1:8000",
            "ACTIVO_TANGO_CONNECTION": "sqlite:/tmp/tango.sqlite",
            "ACTIVO_TANGO_COMMIT_STOCK": "sí",
            "ACTIVO_LOGGING_LEVEL": "debug",
        },
    )
    assert config.cloud.url == "http://127.0.0.1:8000"
    assert config.tango.commit_stock is True
    assert config.logging.level == "DEBUG"


def test_a_number_is_accepted_for_a_code(tmp_path):
    config = load_config(_write(tmp_path, BASE + "deposit = 1\nestado = 1\n"), {})
    assert config.tango.deposit == "1"
    assert config.tango.estado == "1"


def test_malformed_toml_names_the_file_and_line(tmp_path):
    path = _write(tmp_path, '[cloud]\nurl = "https://x.com.ar"\ntimeout_seconds = = 3\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path, {})
    message = str(caught.value)
    assert str(path) in message
    assert "línea 3" in message


def test_a_bad_value_names_the_key_the_line_and_the_fix(tmp_path):
    path = _write(tmp_path, BASE + 'talonario = "seis"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path, {})
    message = str(caught.value)
    assert "[tango] talonario" in message
    assert "línea 7" in message
    assert "número entero" in message


def test_an_out_of_range_value_says_the_range(tmp_path):
    path = _write(tmp_path, BASE.replace("[tango]", "long_poll_seconds = 90\n[tango]"))
    with pytest.raises(ConfigError, match=r"\[cloud\] long_poll_seconds.*entre 0 y 30"):
        load_config(path, {})


def test_a_bad_env_value_names_the_variable():
    with pytest.raises(ConfigError, match=r"ACTIVO_SYNC_BATCH_SIZE.*número entero"):
        load_config(None, {"ACTIVO_SYNC_BATCH_SIZE": "muchos"}, required=False)


def test_unknown_keys_and_sections_are_reported_with_a_suggestion(tmp_path):
    path = _write(tmp_path, BASE + "talonaro = 7\n[sinc]\nbatch_size = 1\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, {})
    problems = caught.value.problems
    assert any("talonaro" in p and "¿quisiste decir talonario?" in p for p in problems)
    assert any("[sinc]" in p and "sync" in p for p in problems)


def test_every_problem_is_reported_at_once(tmp_path):
    path = _write(tmp_path, BASE + 'talonario = "x"\ndialect = "oracle"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path, {})
    assert len(caught.value.problems) == 2


@pytest.mark.parametrize("fragment", ["PWD=secreto", "pwd = secreto", "Password={se;creto}"])
def test_a_password_in_the_connection_string_is_refused(tmp_path, fragment):
    path = _write(tmp_path, BASE.replace("UID=activo", f"UID=activo;{fragment}"))
    with pytest.raises(ConfigError) as caught:
        load_config(path, {})
    message = str(caught.value)
    assert "activo secrets set tango-password" in message
    assert "secreto" not in message  # the refusal itself must not echo the password


def test_missing_required_keys_say_how_to_set_them():
    with pytest.raises(ConfigError) as caught:
        load_config(None, {})
    message = str(caught.value)
    assert "ACTIVO_CLOUD_URL" in message and "ACTIVO_TANGO_CONNECTION" in message


def test_plain_http_to_another_host_is_refused(tmp_path):
    path = _write(tmp_path, BASE.replace("https://pedidos.example.com.ar", "http://pedidos.com"))
    with pytest.raises(ConfigError, match="https://"):
        load_config(path, {})


def test_a_utf8_bom_from_notepad_is_accepted(tmp_path):
    path = tmp_path / "activo.toml"
    path.write_bytes(b"\xef\xbb\xbf" + BASE.encode())
    assert load_config(path, {}).tango.talonario == 6


def test_column_defaults_become_tango_settings(tmp_path):
    path = _write(tmp_path, BASE + "[tango.defaults.gva21]\nID_MONEDA = 1\nES_CLOUD = 0\n")
    config = load_config(path, {"ACTIVO_TANGO_TALONARIO": "8"})
    settings = tango_settings(config.tango, "secreto")
    assert settings.defaults == {"GVA21": {"ID_MONEDA": 1, "ES_CLOUD": 0}}
    assert settings.talonario == 8
    assert settings.password == "secreto"
    assert settings.connection == config.tango.connection


def test_the_config_is_frozen(tmp_path):
    config = load_config(_write(tmp_path, BASE), {})
    with pytest.raises(AttributeError):
        config.tango.talonario = 1  # type: ignore[misc]
