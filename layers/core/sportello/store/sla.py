"""SLA records and policies on the single table.

A ticket's record lives in its partition (`TICKET#<n>` / `SLA`) and is written whole with a version
condition. Two sparse index entries make the sweep and the "at risk" view key queries:
- `by_due`: `SLADUE#<shard>` / `<next alert iso>#<number>`, present only while an alert is to be sent;
- `by_state` (overloaded): `SLARISK#<shard>` / `<earliest due iso>#<number>`, while a target runs.
"""

from __future__ import annotations

import heapq
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError

from ..calendar import BusinessCalendar
from ..clock import from_iso, to_iso
from ..errors import ConflictError
from ..sla.model import AlertMark, AlertState, SlaPolicy, SlaRecord, TargetClock, TargetKind
from ..sla.policies import DEFAULT_POLICIES, PolicyError, parse_policies, policies_to_data
from . import keys
from .models import SettingItem, SlaItem, TableItem
from .routing import DynamoRoutingSettings

logger = logging.getLogger(__name__)

POLICIES_SK = "sla_policies"


def _opt_iso(value: datetime | None) -> str | None:
    return to_iso(value) if value is not None else None


def _opt_moment(value: Any) -> datetime | None:
    return from_iso(value) if value else None


def clock_to_data(clock: TargetClock) -> dict[str, Any]:
    return {
        "target": clock.target.value,
        "cycle": clock.cycle,
        "business": clock.business,
        "target_seconds": clock.target_seconds,
        "started_at": to_iso(clock.started_at),
        "elapsed_seconds": clock.elapsed_seconds,
        "running_since": _opt_iso(clock.running_since),
        "due_at": _opt_iso(clock.due_at),
        "warn_at": _opt_iso(clock.warn_at),
        "met_at": _opt_iso(clock.met_at),
    }


def clock_from_data(data: dict[str, Any]) -> TargetClock:
    return TargetClock(
        target=TargetKind(data["target"]),
        cycle=int(data["cycle"]),
        business=bool(data["business"]),
        target_seconds=int(data["target_seconds"]),
        started_at=from_iso(data["started_at"]),
        elapsed_seconds=float(data["elapsed_seconds"]),
        running_since=_opt_moment(data.get("running_since")),
        due_at=_opt_moment(data.get("due_at")),
        warn_at=_opt_moment(data.get("warn_at")),
        met_at=_opt_moment(data.get("met_at")),
    )


def record_to_item(record: SlaRecord) -> SlaItem:
    number = record.ticket_number
    shard = keys.sla_shard(number)
    next_alert = record.next_alert_at()
    earliest_due = record.earliest_due()
    item = SlaItem(
        pk=keys.ticket_pk(number),
        sk=keys.SLA_SK,
        ticket_number=number,
        policy_id=record.policy_id,
        policy_name=record.policy_name or None,
        clocks=[clock_to_data(clock) for clock in record.clocks],
        alerts={
            key: {"state": mark.state.value, "at": to_iso(mark.at)} for key, mark in record.alerts.items()
        },
        # Absent attributes keep the item out of an index: that is what makes both indexes sparse.
        due_pk=keys.sla_due_pk(shard) if next_alert else None,
        due_sk=keys.moment_key(to_iso(next_alert), number) if next_alert else None,
        state_pk=keys.sla_risk_pk(shard) if earliest_due else None,
        state_sk=keys.moment_key(to_iso(earliest_due), number) if earliest_due else None,
    )
    if record.version:
        item.version = record.version
    return item


def item_to_record(item: SlaItem) -> SlaRecord:
    return SlaRecord(
        ticket_number=int(item.ticket_number),
        policy_id=item.policy_id,
        policy_name=item.policy_name or "",
        clocks=tuple(clock_from_data(data) for data in item.clocks or []),
        alerts={
            key: AlertMark(AlertState(mark["state"]), from_iso(mark["at"]))
            for key, mark in (item.alerts or {}).items()
        },
        version=int(item.version or 0),
    )


class DynamoSlaBook:
    shards = keys.SLA_SHARDS

    def get(self, number: int) -> SlaRecord:
        try:
            item = SlaItem.get(keys.ticket_pk(number), keys.SLA_SK, consistent_read=True)
        except DoesNotExist:
            return SlaRecord(number)
        return item_to_record(item)

    def records(self, numbers: Sequence[int]) -> dict[int, SlaRecord]:
        wanted = list(dict.fromkeys(numbers))
        if not wanted:
            return {}
        found = SlaItem.batch_get([(keys.ticket_pk(number), keys.SLA_SK) for number in wanted])
        return {int(item.ticket_number): item_to_record(item) for item in found}

    def save(self, record: SlaRecord) -> SlaRecord:
        item = record_to_item(record)
        try:
            # The version attribute makes this conditional: unchanged since read (or new).
            item.save()
        except PutError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                raise ConflictError(f"the SLA of ticket #{record.ticket_number} changed meanwhile") from error
            raise
        return item_to_record(item)

    def due(self, shard: int, now: datetime, limit: int) -> list[int]:
        # "~" sorts after every digit: every key up to `<now>#~` is due at or before now.
        results = TableItem.by_due.query(
            keys.sla_due_pk(shard),
            range_key_condition=TableItem.due_sk <= f"{to_iso(now)}#~",
            scan_index_forward=True,
            limit=limit,
        )
        return [int(item.ticket_number) for item in results if isinstance(item, SlaItem)]

    def at_risk(self, limit: int) -> list[SlaRecord]:
        per_shard = [
            [
                item
                for item in TableItem.by_state.query(
                    keys.sla_risk_pk(shard), scan_index_forward=True, limit=limit
                )
                if isinstance(item, SlaItem)
            ]
            for shard in range(self.shards)
        ]
        # Each shard comes in due order; merging them keeps it.
        merged = heapq.merge(*per_shard, key=lambda item: str(item.state_sk))
        return [item_to_record(item) for _, item in zip(range(limit), merged, strict=False)]

    @staticmethod
    def _risk_partition(shard: int, limit: int) -> Any:
        return TableItem.by_state.query(keys.sla_risk_pk(shard), scan_index_forward=True, limit=limit)


class DynamoSlaSettings:
    """The policies document beside routing's settings; the calendar is routing's (one per desk)."""

    def __init__(self, routing: DynamoRoutingSettings | None = None) -> None:
        self._routing = routing or DynamoRoutingSettings()

    def policies(self) -> list[SlaPolicy]:
        try:
            data = SettingItem.get(keys.SETTINGS_PK, POLICIES_SK).data
        except DoesNotExist:
            return list(DEFAULT_POLICIES)
        try:
            return parse_policies(data)
        except PolicyError as error:
            # Saved by an older version and no longer valid: said, and the defaults apply meanwhile.
            logger.warning("the stored SLA policies are invalid (%s): using the defaults", error)
            return list(DEFAULT_POLICIES)

    def save_policies(self, policies: list[SlaPolicy]) -> None:
        SettingItem(pk=keys.SETTINGS_PK, sk=POLICIES_SK, data=policies_to_data(policies)).save()

    def calendar(self) -> BusinessCalendar:
        return self._routing.calendar()
