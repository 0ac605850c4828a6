"""The pure decisions of change tracking: configuration, when to read whole, marks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from activo.change_watermarks import Watermark, full_read_due
from activo.config import ConfigError, load_config, tango_settings
from connectors.tango.change_tracking import (
    FECHA_MODI,
    ROW_VERSION,
    decode_mark,
    encode_mark,
)
from connectors.tango.settings import DEFAULT_CHANGE_TRACKING, parse_change_tracking

NOW = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def test_defaults_track_the_big_tables_by_row_version_and_read_small_ones_whole():
    modes = parse_change_tracking("")
    assert {k for k, m in modes.items() if m == ROW_VERSION} == {
        "articles", "prices", "customers", "stock"}
    assert modes == DEFAULT_CHANGE_TRACKING
    assert set(parse_change_tracking("off").values()) == {"off"}
    custom = parse_change_tracking("Prices = fecha_modi; stock=off")
    assert custom["prices"] == FECHA_MODI and custom["stock"] == "off"
    assert custom["articles"] == ROW_VERSION


@pytest.mark.parametrize("text", ["precios=off", "prices=fecha", "prices"])
def test_a_bad_change_tracking_is_explained_in_spanish(text):
    with pytest.raises(ValueError, match="no se entiende"):
        parse_change_tracking(text)


def test_the_config_key_reaches_the_connector_and_is_checked(tmp_path):
    path = tmp_path / "activo.toml"
    path.write_text('[tango]\nchange_tracking = "customers=fecha_modi"\n'
                    "full_read_minutes = 30\n", encoding="utf-8")
    config = load_config(path, {}, required=False)
    settings = tango_settings(config.tango, None)
    assert settings.change_mode("customers") == FECHA_MODI
    assert settings.change_mode("prices") == ROW_VERSION and settings.full_read_minutes == 30
    path.write_text('[tango]\nchange_tracking = "clientes=fecha_modi"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="change_tracking"):
        load_config(path, {}, required=False)


def test_a_kind_is_read_whole_first_after_a_mode_change_and_every_interval():
    fresh = Watermark(ROW_VERSION, "120", 0, NOW - timedelta(minutes=10))
    assert not full_read_due(ROW_VERSION, fresh, NOW, HOUR)
    assert full_read_due(None, fresh, NOW, HOUR)  # not tracked
    assert full_read_due(ROW_VERSION, None, NOW, HOUR)  # first push, or after a resync
    assert full_read_due(FECHA_MODI, fresh, NOW, HOUR)  # the mode changed
    assert full_read_due(ROW_VERSION, Watermark(ROW_VERSION, None), NOW, HOUR)  # empty table
    stale = Watermark(ROW_VERSION, "120", 0, NOW - HOUR)
    assert full_read_due(ROW_VERSION, stale, NOW, HOUR)


def test_marks_travel_as_text_and_a_row_version_of_zero_means_read_whole():
    assert encode_mark(ROW_VERSION, 1234) == "1234" and decode_mark(ROW_VERSION, "1234") == 1234
    assert encode_mark(ROW_VERSION, 0) is None  # a ROW_VERSION that never changes
    assert encode_mark(ROW_VERSION, None) is None
    day = encode_mark(FECHA_MODI, date(2025, 6, 1))
    assert day == "2025-06-01 00:00:00" == encode_mark(FECHA_MODI, "2025-06-01")
    assert decode_mark(FECHA_MODI, day) == datetime(2025, 6, 1)
