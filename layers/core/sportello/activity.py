"""The first ticket-event subscriber: when anything last happened on a ticket (`last_activity_at`)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from .tickets.events import Event, EventKind


class ActivityLog(Protocol):
    def record_activity(self, number: int, at: datetime) -> None:
        """Moves the ticket's last activity forward to `at`; an older `at` changes nothing."""
        ...


class LastActivity:
    """Every kind of event is activity on its ticket."""

    name = "last_activity"
    kinds = frozenset(EventKind)

    def __init__(self, log: ActivityLog) -> None:
        self._log = log

    def handle(self, event: Event) -> None:
        self._log.record_activity(event.ticket_number, event.created_at)
