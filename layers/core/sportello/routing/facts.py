"""The facts a rule's conditions test, computed from a ticket, its customer and the moment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..calendar import WEEKDAY_NAMES, BusinessCalendar
from ..customers.model import Customer
from ..tickets.model import Ticket
from .rules import TriggerEvent

SECONDS_PER_HOUR = 3600


@dataclass(frozen=True)
class Situation:
    """Everything a rule may look at: the ticket as it is now, who asked, what just happened, when."""

    ticket: Ticket
    customer: Customer | None
    event: TriggerEvent
    now: datetime
    calendar: BusinessCalendar
    message_text: str = ""
    sender_verified: bool = False


def facts_of(situation: Situation) -> dict[str, Any]:
    """Every field of `rules.FIELDS`, valued for this situation."""
    ticket, customer, now = situation.ticket, situation.customer, situation.now
    local = situation.calendar.local(now)
    since_update = max(0.0, (now - ticket.updated_at).total_seconds())
    business_since_update = situation.calendar.business_seconds_between(ticket.updated_at, now)
    return {
        "event": situation.event.value,
        "ticket.status": ticket.status.value,
        "ticket.priority": ticket.priority.value,
        "ticket.type": ticket.type.value if ticket.type else "",
        "ticket.channel": ticket.channel.value,
        "ticket.group": ticket.group or "",
        "ticket.assignee": ticket.assignee or "",
        "ticket.tags": tuple(ticket.tags),
        "ticket.language": ticket.language,
        "ticket.subject": ticket.subject,
        "message.text": situation.message_text,
        "message.sender_verified": situation.sender_verified,
        "customer.vip": bool(customer and customer.vip),
        "customer.organisation": (customer.organisation or "") if customer else "",
        "customer.email": (customer.email or "") if customer else (ticket.requester.email or ""),
        "time.hour": local.hour,
        "time.weekday": WEEKDAY_NAMES[local.weekday()],
        "time.business_hours": situation.calendar.always_open or situation.calendar.is_open(now),
        "ticket.hours_since_update": since_update / SECONDS_PER_HOUR,
        "ticket.business_hours_since_update": business_since_update / SECONDS_PER_HOUR,
    }


def placeholders_of(ticket: Ticket, customer: Customer | None, desk_name: str) -> Mapping[str, Any]:
    """The values a template's placeholders take (rules.PLACEHOLDERS)."""
    return {
        "ticket.number": ticket.number,
        "ticket.subject": ticket.subject,
        "ticket.status": ticket.status.value,
        "ticket.priority": ticket.priority.value,
        "ticket.channel": ticket.channel.value,
        "customer.name": customer.name if customer else ticket.requester.name,
        "desk.name": desk_name,
    }
