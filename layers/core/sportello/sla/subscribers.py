"""The SLA's ticket-event subscriber: every event that can start, pause, resume or meet a target, or
change which policy applies, rebuilds the ticket's clocks."""

from __future__ import annotations

from ..tickets.events import Event, EventKind
from .service import SlaService

# The fields that decide the policy (priority, group) or pause the clocks (status).
CLOCK_FIELDS = frozenset({"status", "priority", "group"})


class SlaClocks:
    name = "sla"
    kinds = frozenset(
        {
            EventKind.TICKET_CREATED,
            EventKind.FOLLOW_UP_CREATED,
            EventKind.MESSAGE_ADDED,
            EventKind.STATUS_CHANGED,
            EventKind.FIELD_CHANGED,
            EventKind.REQUESTER_MERGED,  # the customer, and so the tier, changed
        }
    )

    def __init__(self, sla: SlaService) -> None:
        self._sla = sla

    def handle(self, event: Event) -> None:
        if event.kind is EventKind.FIELD_CHANGED and event.data.get("field") not in CLOCK_FIELDS:
            return
        self._sla.refresh(event.ticket_number)
