"""What the SLA needs from the outside world. `store/sla.py` implements these."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from ..calendar import BusinessCalendar
from .model import SlaPolicy, SlaRecord


class SlaSettings(Protocol):
    """The desk's policies (ordered: the first that covers a ticket applies) and business calendar."""

    def policies(self) -> list[SlaPolicy]: ...

    def save_policies(self, policies: list[SlaPolicy]) -> None: ...

    def calendar(self) -> BusinessCalendar: ...


class SlaBook(Protocol):
    """Each ticket's SLA record, findable by when its next alert is due and by its earliest due time.

    The record is written with optimistic locking: `save` raises ConflictError when the stored version
    is no longer the one the record was read at (a sweep and the stream changed it at once).
    """

    shards: int  # the due index is split in this many partitions; a sweep reads each

    def get(self, number: int) -> SlaRecord:
        """The ticket's record; an empty one (version 0) when it has none."""
        ...

    def records(self, numbers: Sequence[int]) -> dict[int, SlaRecord]:
        """The records of these tickets that have one, in one batch read."""
        ...

    def save(self, record: SlaRecord) -> SlaRecord:
        """Stores the record (indexed by its next alert and its earliest due time); the new version."""
        ...

    def due(self, shard: int, now: datetime, limit: int) -> list[int]:
        """Tickets of one shard whose next alert is at or before `now`, oldest first."""
        ...

    def at_risk(self, limit: int) -> list[SlaRecord]:
        """The records with a running target, the one due first first (overdue ones lead)."""
        ...
