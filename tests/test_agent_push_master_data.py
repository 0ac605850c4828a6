"""Pushing master data: kinds in dependency order, bounded batches, unique batch ids."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from activo.push_master_data import batches_of, push_master_data
from connectors.cloud.client import CloudAuthError, CloudRejected, CloudUnreachable
from connectors.cloud.contract import (
    PUSH_ORDER,
    Article,
    Customer,
    MasterDataAck,
    MasterDataBatch,
    MasterKind,
    VatRate,
)
from connectors.tango.errors import TangoConfigError

RECORDS = {
    MasterKind.VAT_RATES: [VatRate(code=1, rate=Decimal("21"))],
    MasterKind.ARTICLES: [Article(code=f"A{i}", description=f"Art {i}") for i in range(5)],
    MasterKind.CUSTOMERS: [Customer(code="C1", name="Cliente 1")],
}


@dataclass
class MemorySource:
    broken: dict[MasterKind, Exception] = field(default_factory=dict)

    def read(self, kind):
        if kind in self.broken:
            raise self.broken[kind]
        yield from RECORDS.get(kind, [])


@dataclass
class MemoryCloud:
    batches: list[MasterDataBatch] = field(default_factory=list)
    fail: dict[MasterKind, Exception] = field(default_factory=dict)

    def push_master_data(self, batch: MasterDataBatch) -> MasterDataAck:
        if batch.kind in self.fail:
            raise self.fail[batch.kind]
        batch.typed_records()  # what the server validates
        self.batches.append(batch)
        return MasterDataAck(kind=batch.kind, batch_id=batch.batch_id,
                             upserted=len(batch.records), deleted=0)


def test_batches_of_splits_lazily():
    assert [len(b) for b in batches_of(iter(range(7)), 3)] == [3, 3, 1]
    assert list(batches_of([], 3)) == []


def test_every_kind_is_sent_in_push_order_in_bounded_batches():
    cloud = MemoryCloud()
    result = push_master_data(cloud, MemorySource(), batch_size=2)
    kinds = [b.kind for b in cloud.batches]
    assert kinds == [MasterKind.VAT_RATES, *[MasterKind.ARTICLES] * 3, MasterKind.CUSTOMERS]
    assert sorted(kinds, key=PUSH_ORDER.index) == kinds
    assert all(len(b.records) <= 2 for b in cloud.batches)
    assert len({b.batch_id for b in cloud.batches}) == len(cloud.batches)
    assert result.records[MasterKind.ARTICLES] == 5
    assert result.total == 7
    assert result.errors == ()


def test_a_kind_that_cannot_be_read_is_reported_and_the_rest_go_on():
    broken = TangoConfigError("no STA11", "Falta STA11.")
    source = MemorySource(broken={MasterKind.ARTICLES: broken})
    result = push_master_data(MemoryCloud(), source, batch_size=10)
    assert result.records[MasterKind.CUSTOMERS] == 1
    assert result.errors == ("No se pudieron leer los artículos de Tango: Falta STA11.",)


def test_a_rejected_kind_is_reported_and_the_rest_go_on():
    cloud = MemoryCloud(fail={MasterKind.ARTICLES: CloudRejected("422", "mal", 422, "bad code")})
    result = push_master_data(cloud, MemorySource(), batch_size=10)
    assert result.records[MasterKind.CUSTOMERS] == 1
    assert "artículos" in result.errors[0]


def test_an_unreachable_cloud_ends_the_push():
    cloud = MemoryCloud(fail={MasterKind.ARTICLES: CloudUnreachable("down", "Sin conexión.")})
    result = push_master_data(cloud, MemorySource(), batch_size=10)
    assert [b.kind for b in cloud.batches] == [MasterKind.VAT_RATES]
    assert result.errors == ("Sin conexión.",)


def test_a_bad_token_raises():
    cloud = MemoryCloud(fail={MasterKind.VAT_RATES: CloudAuthError("401", "token inválido")})
    with pytest.raises(CloudAuthError):
        push_master_data(cloud, MemorySource(), batch_size=10)
