"""The SLA book's contract, against the in-memory fake and the DynamoDB store (moto): versioned writes,
the sparse due index (only records with an alert to send, oldest first, per shard) and the at-risk order."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sportello.errors import ConflictError
from sportello.sla.model import AlertState, SlaRecord, TargetClock, TargetKind
from sportello.store.sla import DynamoSlaBook
from tests.fakes import InMemorySlaBook

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(params=("memory", "dynamodb"))
def book(request: pytest.FixtureRequest) -> Iterator[Any]:
    if request.param == "dynamodb":
        request.getfixturevalue("cloud")
        yield DynamoSlaBook()
    else:
        yield InMemorySlaBook()


def running(number: int, due: datetime, *, warn: datetime | None = None, met: bool = False) -> SlaRecord:
    clock = TargetClock(
        target=TargetKind.FIRST_REPLY,
        cycle=1,
        business=True,
        target_seconds=3600,
        started_at=T0,
        elapsed_seconds=0.0,
        running_since=None if met else T0,
        due_at=due,
        warn_at=warn or due - timedelta(minutes=15),
        met_at=T0 + timedelta(minutes=5) if met else None,
    )
    return SlaRecord(number, "standard", "Standard", (clock,))


def test_a_record_reads_back_as_written_with_a_version(book: Any) -> None:
    record = running(7, T0 + timedelta(hours=1)).marked(["first_reply:1:warning"], AlertState.SENT, T0)
    saved = book.save(record)
    assert saved.version == 1
    assert book.get(7) == saved
    assert book.get(8) == SlaRecord(8)  # none yet: an empty record, never stored


def test_a_stale_version_is_a_conflict_and_changes_nothing(book: Any) -> None:
    first = book.save(running(7, T0 + timedelta(hours=1)))
    book.save(replace(first, policy_name="Renamed"))
    with pytest.raises(ConflictError):
        book.save(replace(first, policy_name="Stale"))
    with pytest.raises(ConflictError):
        book.save(running(7, T0))  # "new" when one exists
    assert book.get(7).policy_name == "Renamed"


def test_only_records_with_an_alert_due_are_found_oldest_first_per_shard(book: Any) -> None:
    shards = book.shards
    late = running(shards, T0 + timedelta(minutes=30), warn=T0 + timedelta(minutes=10))
    early = running(2 * shards, T0 + timedelta(minutes=20), warn=T0 + timedelta(minutes=5))
    later = running(3 * shards, T0 + timedelta(hours=5))
    met = running(4 * shards, T0 + timedelta(minutes=1), met=True)
    other_shard = running(shards + 1, T0 + timedelta(minutes=1))
    for record in (late, early, later, met, other_shard):
        book.save(record)
    now = T0 + timedelta(minutes=40)
    assert book.due(0, now, 10) == [2 * shards, shards]
    assert book.due(0, now, 1) == [2 * shards]
    assert book.due(1, now, 10) == [shards + 1]
    # All its alerts sent: out of the index.
    sent = book.get(2 * shards).marked(
        ["first_reply:1:warning", "first_reply:1:breach"], AlertState.SENT, now
    )
    book.save(sent)
    assert book.due(0, now, 10) == [shards]


def test_at_risk_lists_running_records_by_due_time_across_shards(book: Any) -> None:
    for number, minutes in ((1, 50), (2, 10), (3, 30), (4, 20), (5, 40)):
        book.save(running(number, T0 + timedelta(minutes=minutes)))
    book.save(running(6, T0, met=True))
    assert [r.ticket_number for r in book.at_risk(10)] == [2, 4, 3, 5, 1]
    assert [r.ticket_number for r in book.at_risk(2)] == [2, 4]


def test_records_are_read_together(book: Any) -> None:
    for number in (1, 2):
        book.save(running(number, T0))
    assert sorted(book.records([1, 2, 3])) == [1, 2]
