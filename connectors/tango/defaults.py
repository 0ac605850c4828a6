"""The defaults template: values for NOT NULL columns the mapping leaves empty.

Shipped as ``defaults.toml`` beside this module; ``TangoSettings.defaults`` (from the agent's
config, edited by the customer's IT) overrides or extends it, table by table, column by column.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

Template = dict[str, dict[str, Any]]


def shipped_defaults() -> Template:
    """The template shipped with the connector, keys in upper case."""
    text = resources.files("connectors.tango").joinpath("defaults.toml").read_text("utf-8")
    return _upper(tomllib.loads(text))


def load_defaults(overrides: dict[str, dict[str, Any]] | None = None) -> Template:
    """The shipped template with ``overrides`` (table → column → value) merged on top."""
    template = shipped_defaults()
    for table, columns in _upper(overrides or {}).items():
        template.setdefault(table, {}).update(columns)
    return template


def _upper(raw: dict[str, Any]) -> Template:
    result: Template = {}
    for table, columns in raw.items():
        if not isinstance(columns, dict):
            raise ValueError(f"defaults for table {table!r} must be a table of column = value")
        result[str(table).upper()] = {str(c).upper(): v for c, v in columns.items()}
    return result
