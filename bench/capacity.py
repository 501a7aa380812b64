"""DynamoDB capacity per operation, estimated from the items each call reads and writes.

PynamoDB does not ask for `ReturnConsumedCapacity`, and moto's answer when asked is not DynamoDB's:
moto 5.2.5 reports fixed figures whatever the items' sizes (0.5 per GetItem, 1 per Query, one per key of
a BatchGetItem, 2 per item of a transaction). So this module watches every DynamoDB call's request and
response (around botocore's `BaseClient._make_api_call`, as `bench.awsclock` does) and applies
DynamoDB's own rules (on-demand request units, which count as capacity units do) to the items' sizes:

- reads: 4 KB units, half a unit when eventually consistent (PynamoDB's default); a key not found still
  costs the minimum; a Query costs the total size it returns, rounded up once;
- writes: 1 KB units of the item written (an update: of the item as it is after, when the response
  holds it, else one unit); a transaction costs twice per item;
- global secondary indexes: every index whose keys the written item carries costs one write unit per
  KB of the item (all indexes project ALL), two when the item replaces an existing one, which may move
  its index entry (a conditional Put other than "attribute_not_exists": a ticket saved at its version).
  This is an upper bound for an unchanged key and exact for a moved one.

Item sizes follow DynamoDB's: attribute names plus values (strings and binaries by their bytes, numbers
about one byte per two digits plus one, lists and maps 3 bytes plus 1 per element).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from botocore.client import BaseClient

READ_UNIT = 4096
WRITE_UNIT = 1024


@dataclass
class Capacity:
    read_units: float = 0.0
    write_units: float = 0.0  # the table's
    index_write_units: float = 0.0  # global secondary indexes'
    bytes_written: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def total_write_units(self) -> float:
        return self.write_units + self.index_write_units

    def as_dict(self) -> dict[str, float]:
        return {
            "read_units": self.read_units,
            "write_units": self.write_units,
            "index_write_units": self.index_write_units,
            "bytes_written": self.bytes_written,
        }


def value_size(value: Mapping[str, Any]) -> int:
    """The size DynamoDB counts for one typed attribute value ({"S": …}, {"N": …}, …)."""
    (kind, inner), *_ = value.items()
    if kind == "S":
        return len(str(inner).encode())
    if kind == "N":
        digits = len(str(inner).lstrip("-").replace(".", "").lstrip("0")) or 1
        return math.ceil(digits / 2) + 1
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in ("SS", "NS", "BS"):
        return sum(value_size({kind[0]: element}) for element in inner)
    if kind == "L":
        return 3 + sum(1 + value_size(element) for element in inner)
    if kind == "M":
        return 3 + sum(1 + len(name.encode()) + value_size(element) for name, element in inner.items())
    return 0


def item_size(item: Mapping[str, Any] | None) -> int:
    return sum(len(name.encode()) + value_size(value) for name, value in (item or {}).items())


def _reads(size: int, consistent: bool) -> float:
    units = max(1, math.ceil(size / READ_UNIT))
    return units if consistent else units / 2


def _index_count(item: Mapping[str, Any], indexes: Mapping[str, tuple[str, str]]) -> int:
    return sum(1 for hash_key, range_key in indexes.values() if hash_key in item and range_key in item)


class CapacityMeter:
    def __init__(self, indexes: Mapping[str, tuple[str, str]]) -> None:
        self.indexes = indexes  # index name -> (partition key, sort key) attribute names
        self.capacity = Capacity()

    def _write(self, item: Mapping[str, Any], transactional: bool, replaces: bool) -> None:
        size = item_size(item)
        units = max(1, math.ceil(size / WRITE_UNIT))
        self.capacity.write_units += units * (2 if transactional else 1)
        self.capacity.index_write_units += units * _index_count(item, self.indexes) * (2 if replaces else 1)
        self.capacity.bytes_written += size

    def record(self, operation: str, params: Mapping[str, Any], response: Mapping[str, Any]) -> None:
        consistent = bool(params.get("ConsistentRead"))
        if operation == "GetItem":
            self.capacity.read_units += _reads(item_size(response.get("Item")), consistent)
        elif operation == "BatchGetItem":
            for table, request in params.get("RequestItems", {}).items():
                found = response.get("Responses", {}).get(table, [])
                asked = len(request.get("Keys", []))
                sizes = [item_size(item) for item in found] + [0] * max(0, asked - len(found))
                strong = bool(request.get("ConsistentRead"))
                self.capacity.read_units += sum(_reads(size, strong) for size in sizes)
        elif operation in ("Query", "Scan"):
            size = sum(item_size(item) for item in response.get("Items", []))
            self.capacity.read_units += _reads(size, consistent)
        elif operation == "PutItem":
            replaces = "attribute_not_exists" not in str(
                params.get("ConditionExpression", "attribute_not_exists")
            )
            self._write(params["Item"], False, replaces)
        elif operation == "UpdateItem":
            after = response.get("Attributes")
            if after is None:
                self.capacity.write_units += 1
                self.capacity.notes.append("UpdateItem without its new image: counted as one unit")
            else:
                self._write({**params.get("Key", {}), **after}, False, True)
        elif operation == "TransactWriteItems":
            for entry in params.get("TransactItems", []):
                if "Put" in entry:
                    condition = str(entry["Put"].get("ConditionExpression", "attribute_not_exists"))
                    self._write(entry["Put"]["Item"], True, "attribute_not_exists" not in condition)
                elif "Update" in entry or "Delete" in entry:
                    self.capacity.write_units += 2
                elif "ConditionCheck" in entry:
                    self.capacity.read_units += 2  # a condition check reads transactionally
        elif operation == "TransactGetItems":
            for item in response.get("Responses", []):
                self.capacity.read_units += 2 * _reads(item_size(item.get("Item")), True)


@contextmanager
def metering_dynamodb(indexes: Mapping[str, tuple[str, str]]) -> Iterator[Capacity]:
    meter = CapacityMeter(indexes)
    original = BaseClient._make_api_call

    def metered(client: BaseClient, operation: str, params: Mapping[str, Any]) -> Any:
        response = original(client, operation, params)
        if client.meta.service_model.service_name == "dynamodb":
            meter.record(operation, params, response)
        return response

    with mock.patch.object(BaseClient, "_make_api_call", metered):
        yield meter.capacity
