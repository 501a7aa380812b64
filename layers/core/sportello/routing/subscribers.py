"""Routing's ticket-event subscribers: start the workflow; keep each agent's open-ticket count."""

from __future__ import annotations

from ..tickets.events import Event, EventKind
from ..tickets.service import TicketService
from .offers import HAD_ROOM_AGAIN, Offers
from .ports import AgentPresence, WorkflowStarter
from .workflow import state_for


def execution_name(event: Event) -> str:
    """Derived from the event id: a redelivered event starts nothing twice (names are at most 80)."""
    return f"ticket-{event.ticket_number}-{event.id}"[:80]


class RoutingStarter:
    """Starts the routing workflow for each new ticket and each customer reply."""

    name = "routing"
    kinds = frozenset({EventKind.TICKET_CREATED, EventKind.MESSAGE_ADDED})

    def __init__(self, starter: WorkflowStarter) -> None:
        self._starter = starter

    def handle(self, event: Event) -> None:
        state = state_for(event)
        if state is not None:
            self._starter.start(execution_name(event), state.to_output())


HOLD_FIELDS = frozenset({"assignee", "status"})


class LoadKeeper:
    """Each active assigned ticket holds one unit of its agent's open-ticket count; this moves the hold
    whenever a ticket's assignee or status changes, by anyone (an agent, a trigger, a merge).

    An agent whose count went down (their ticket was solved, closed or given to someone else) is offered
    the waiting tickets of their groups (`offers`), if given.
    """

    name = "agent_load"
    kinds = frozenset({EventKind.FIELD_CHANGED, EventKind.STATUS_CHANGED})

    def __init__(self, tickets: TicketService, presence: AgentPresence, offers: Offers | None = None) -> None:
        self._tickets = tickets
        self._presence = presence
        self._offers = offers

    def handle(self, event: Event) -> None:
        # An agent's edit changes the status as a field ("status"); a message changes it as its own kind.
        if event.kind is EventKind.FIELD_CHANGED and event.data.get("field") not in HOLD_FIELDS:
            return
        # The ticket as it is now, not as the event saw it: events of one ticket may arrive late or
        # twice, and settling to the present is right whatever the order.
        ticket = self._tickets.get(event.ticket_number)
        holder = ticket.assignee if ticket.status.is_active else None
        # `as_of`: a hold the assigner took after this read is left to its own ticket write's event.
        freed = self._presence.settle(ticket.number, holder, as_of=ticket.updated_at)
        if freed is not None and self._offers is not None:
            self._offers.offer(freed, HAD_ROOM_AGAIN)
