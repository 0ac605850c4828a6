"""``[cloud] ca_bundle`` and ``[cloud] proxy``: validated with the key named and the fix."""

from __future__ import annotations

import pytest

from activo.config import ConfigError, load_config

BASE = {"ACTIVO_CLOUD_URL": "https://pedidos.example.com.ar", "ACTIVO_TANGO_CONNECTION": "x"}


def test_defaults_verify_with_the_standard_cas_and_no_proxy():
    cloud = load_config(None, BASE).cloud
    assert (cloud.ca_bundle, cloud.proxy) == ("", "")


def test_a_ca_bundle_must_exist(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_config(None, {**BASE, "ACTIVO_CLOUD_CA_BUNDLE": str(tmp_path / "no.pem")})
    [problem] = caught.value.problems
    assert "ACTIVO_CLOUD_CA_BUNDLE" in problem and "no existe el archivo" in problem
    pem = tmp_path / "ca.pem"
    pem.write_text("x")
    assert load_config(None, {**BASE, "ACTIVO_CLOUD_CA_BUNDLE": str(pem)}).cloud.ca_bundle


def test_a_proxy_must_be_an_address(tmp_path):
    path = tmp_path / "activo.toml"
    path.write_text('[cloud]\nproxy = "proxy:3128"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, BASE)
    assert "[cloud] proxy" in caught.value.problems[0]
    assert "http://proxy.empresa.local:3128" in caught.value.problems[0]
    ok = load_config(None, {**BASE, "ACTIVO_CLOUD_PROXY": "http://proxy.local:3128"})
    assert ok.cloud.proxy == "http://proxy.local:3128"
