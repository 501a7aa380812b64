"""Input we could not turn into tickets: a record of why, beside the raw object, which stays stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class QuarantineRecord:
    id: str  # derived from the raw object, so a retried delivery lands on the same record
    received_at: datetime
    reason: str
    raw_key: str
    channel: str
    sender: str | None = None
    subject: str | None = None


@dataclass(frozen=True)
class QuarantinePage:
    items: list[QuarantineRecord]
    next_cursor: str | None


class Quarantine(Protocol):
    def add(self, record: QuarantineRecord) -> None:
        """Keeps the record; adding the same id again changes nothing."""
        ...

    def recent(self, cursor: str | None = None, limit: int = 50) -> QuarantinePage: ...
