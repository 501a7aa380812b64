"""The ticket-events consumer with its subscribers, built once per container (only what it uses)."""

from __future__ import annotations

from functools import lru_cache

from ..activity import LastActivity
from ..bus import Dispatcher, TicketEventConsumer
from ..store.processed import ProcessedEventsTable
from ..store.quarantine import QuarantineRepository
from ..store.tickets import TicketRepository


@lru_cache(maxsize=1)
def ticket_events() -> TicketEventConsumer:
    # A new subscriber is one more entry here (and the event kinds it names).
    subscribers = [LastActivity(TicketRepository())]
    return TicketEventConsumer(Dispatcher(subscribers, ProcessedEventsTable()), QuarantineRepository())
