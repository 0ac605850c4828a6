"""``config.example.toml`` documents every key, parses, and holds the defaults."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from activo.config import default_values, load_config

EXAMPLE = Path(__file__).resolve().parent.parent / "config.example.toml"


def test_the_example_parses_and_loads():
    config = load_config(EXAMPLE, {})
    assert config.source == EXAMPLE


def test_every_key_with_a_default_is_in_the_example():
    parsed = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    missing = [
        f"[{section}] {key}"
        for section, keys in default_values().items()
        for key in keys
        if key not in parsed.get(section, {})
    ]
    assert missing == []


def test_the_example_shows_the_defaults():
    parsed = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    required = {("cloud", "url"), ("tango", "connection")}
    differ = [
        (section, key)
        for section, keys in default_values().items()
        for key, default in keys.items()
        if (section, key) not in required and parsed[section][key] != default
    ]
    assert differ == []


def test_every_key_has_a_spanish_comment_above_it():
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if re.match(r"^[a-z_]+\s*=", line):
            assert lines[number - 1].startswith("#"), f"line {number + 1} has no comment: {line}"
