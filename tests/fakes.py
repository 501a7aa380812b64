"""In-memory stand-ins for the ports, for unit tests (no AWS, no moto).

Each section belongs to one capability; add yours as a section of its own.
"""

from __future__ import annotations

from datetime import datetime

from sportello.quarantine import QuarantineRecord

# --- ticket events: the bus's idempotency, quarantine and the activity subscriber ----------------------


class FakeProcessedEvents:
    """`sportello.bus.ProcessedEvents` in a set."""

    def __init__(self) -> None:
        self.marked: set[tuple[str, str]] = set()

    def seen(self, subscriber: str, event_id: str) -> bool:
        return (subscriber, event_id) in self.marked

    def mark(self, subscriber: str, event_id: str) -> None:
        self.marked.add((subscriber, event_id))


class FakeQuarantine:
    """Keeps one record per id, as the table's conditional put does."""

    def __init__(self) -> None:
        self.records: dict[str, QuarantineRecord] = {}

    def add(self, record: QuarantineRecord) -> None:
        self.records.setdefault(record.id, record)


class FakeActivityLog:
    """`sportello.activity.ActivityLog`: the latest moment per ticket, only ever moving forward."""

    def __init__(self) -> None:
        self.last: dict[int, datetime] = {}
        self.writes = 0

    def record_activity(self, number: int, at: datetime) -> None:
        if number not in self.last or self.last[number] < at:
            self.last[number] = at
            self.writes += 1


# --- end of ticket events ---------------------------------------------------------------------------------
