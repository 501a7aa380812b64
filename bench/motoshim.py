"""A cheaper rollback for moto's DynamoDB transactions, so the benchmark measures Sportello, not moto.

moto 5.2.5's `transact_write_items` deep-copies the whole table once per item of every transaction,
to restore it if the transaction is cancelled: each transaction costs O(table size) in time and memory,
so a run costs O(N^2) (bench/README.md has the measured difference; DynamoDB does nothing of the kind).
The shim keeps moto's own transaction logic and replaces only that backup: it deep-copies the items the
transaction names and puts them back on cancellation, which is the same rollback, since a transaction
writes only the items it names.
Opt out with `--stock-moto`; the result JSON records which was used.
"""

from __future__ import annotations

import copy
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from unittest import mock

import moto
import moto.dynamodb.models as dynamodb_models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table

# The shim leans on moto internals (the same version the local cloud pins): no other version is trusted.
SHIMMED_MOTO_VERSION = "5.2.5"
STOCK = "stock moto (deep-copies the table for every transaction item)"
SHIMMED = "bench shim: transaction rollback backs up only the items written (bench/motoshim.py)"


@dataclass(frozen=True)
class _Backup:
    table: Table
    hash_key: DynamoType
    range_key: DynamoType | None
    item: Item | None

    def restore(self) -> None:
        if self.item is None:
            if self.table.get_item(self.hash_key, self.range_key) is not None:
                self.table.delete_item(self.hash_key, self.range_key)
        elif self.range_key is not None:
            self.table.items[self.hash_key][self.range_key] = self.item
        else:
            self.table.items[self.hash_key] = self.item  # type: ignore[assignment]


def _backups(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> list[_Backup]:
    backups = []
    for entry in transact_items:
        op = next(iter(entry.values()))
        table = backend.tables.get(op.get("TableName", ""))
        key = op.get("Key") or op.get("Item")
        if table is None or not key or table.hash_key_attr not in key:
            continue  # moto itself rejects these before writing anything
        hash_key = DynamoType(key[table.hash_key_attr])
        range_attr = table.range_key_attr
        range_key = DynamoType(key[range_attr]) if range_attr and range_attr in key else None
        if range_attr and range_key is None:
            continue
        current = table.get_item(hash_key, range_key)
        backups.append(_Backup(table, hash_key, range_key, copy.deepcopy(current)))
    return backups


def _deepcopy_except_tables(value: Any, memo: dict[int, Any] | None = None) -> Any:
    # Handing moto the live table as its "backup" makes its own restore a no-op; ours does the work.
    return value if isinstance(value, Table) else copy.deepcopy(value, memo)


def _tables_not_copied() -> Any:
    return mock.patch.object(dynamodb_models, "copy", types.SimpleNamespace(deepcopy=_deepcopy_except_tables))


def _shimmed(stock: Callable[[DynamoDBBackend, list[dict[str, Any]]], None]) -> Any:
    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        backups = _backups(self, transact_items)
        try:
            with _tables_not_copied():
                stock(self, transact_items)
        except Exception:
            for backup in reversed(backups):
                backup.restore()
            raise

    return transact_write_items


@contextmanager
def cheap_transaction_rollback(enabled: bool) -> Iterator[str]:
    """Installs the shim while the block runs; yields what the run used, for the result JSON."""
    if not enabled:
        yield STOCK
        return
    if moto.__version__ != SHIMMED_MOTO_VERSION:
        raise RuntimeError(
            f"bench/motoshim.py is written for moto {SHIMMED_MOTO_VERSION}, found {moto.__version__}: "
            "check moto's transact_write_items, or run with --stock-moto"
        )
    stock = DynamoDBBackend.transact_write_items
    DynamoDBBackend.transact_write_items = _shimmed(stock)  # type: ignore[method-assign]
    try:
        yield SHIMMED
    finally:
        DynamoDBBackend.transact_write_items = stock  # type: ignore[method-assign]
