"""Order totals: line and header discounts, IVA per line, prices with or without IVA."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from connectors.tango.totals import LineInput, line_totals, money, order_totals


def test_line_without_vat_in_price():
    t = line_totals(LineInput(D(3), D("1900.00"), D(10), D(21)), D(5), False)
    assert t.bonified_price == D("1710.0000000")
    assert t.net_price == D("1710.0000000")
    assert t.amount_without_vat == D("5130.00")
    assert t.amount_with_vat == D("6207.30")
    assert t.proportioned == D("4873.50")  # 5 % header discount on top
    assert t.proportioned_with_vat == D("5896.94")  # 6207.30 × 0.95 = 5896.935 → half up


def test_line_with_vat_in_price_derives_the_net():
    t = line_totals(LineInput(D(2), D("1210.00"), D(0), D(21)), D(0), True)
    assert t.amount_with_vat == D("2420.00")
    assert t.amount_without_vat == D("2000.00")
    assert t.net_price == D("1000.0000000")
    assert t.price == D("1210.00")


def test_reduced_rate_and_fractional_quantity():
    t = line_totals(LineInput(D("1.375"), D("9800"), D(0), D("10.5")), D(0), False)
    assert t.amount_without_vat == D("13475.00")
    assert t.amount_with_vat == D("14889.88")  # 13475 × 1.105 = 14889.875 → half up


def test_order_totals_are_sums_of_rounded_lines():
    lines = [LineInput(D(3), D("1900"), D(10), D(21)), LineInput(D(1), D("6500"), D(0), D(21)),
             LineInput(D(4), D("999.99"), D(0), D(0))]
    totals = order_totals(lines, D(5), False)
    assert totals.subtotal_without_vat == sum((t.amount_without_vat for t in totals.lines), D(0))
    assert totals.total_without_vat == sum((t.proportioned for t in totals.lines), D(0))
    assert totals.discount_without_vat == totals.subtotal_without_vat - totals.total_without_vat
    assert totals.total_exempt == totals.lines[2].proportioned == D("3799.96")
    assert totals.vat == totals.total_with_vat - totals.total_without_vat
    assert totals.total_without_vat == D("14848.46")  # 4873.50 + 6175.00 + 3799.96
    assert totals.total_with_vat == D("17168.65")  # 5896.94 + 7471.75 + 3799.96


def test_no_discount_no_vat_is_identity():
    totals = order_totals([LineInput(D(2), D("10.005"), D(0), D(0))], D(0), False)
    assert totals.total_without_vat == totals.total_with_vat == D("20.01")
    assert totals.discount_with_vat == 0


def test_decimals_setting_controls_rounding():
    line = LineInput(D(1), D("10.0049"), D(0), D(0))
    assert line_totals(line, D(0), False, decimals=2).amount_without_vat == D("10.00")
    assert line_totals(line, D(0), False, decimals=3).amount_without_vat == D("10.005")
    assert money(D("0.125"), 2) == D("0.13")
    assert money(D("-0.125"), 2) == D("-0.13")


@pytest.mark.parametrize("line", [LineInput(D(0), D(1)), LineInput(D(1), D(-1)),
                                  LineInput(D(1), D(1), D(101))])
def test_invalid_lines_are_refused(line):
    with pytest.raises(ValueError):
        line_totals(line, D(0), False)


def test_empty_order_is_refused():
    with pytest.raises(ValueError, match="at least one line"):
        order_totals([], D(0), False)
