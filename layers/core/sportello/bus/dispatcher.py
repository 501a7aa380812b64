"""Maps each event kind to its subscribers and runs each subscriber at most once per event.

Delivery is at least once (a stream retries a batch, a replay re-reads it), so a subscriber that
succeeded is remembered per (subscriber, event id) and skipped afterwards; it is remembered only after
it succeeded, so a retry runs again exactly the subscribers that failed. A subscriber that fails does
not stop the others: the event is reported failed once all of them had their turn.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Protocol

from ..tickets.events import Event, EventKind

logger = logging.getLogger(__name__)


class Subscriber(Protocol):
    @property
    def name(self) -> str:
        """Stable and unique: what was processed is remembered under it."""
        ...

    @property
    def kinds(self) -> frozenset[EventKind]: ...

    def handle(self, event: Event) -> None: ...


class ProcessedEvents(Protocol):
    """Which subscriber already handled which event."""

    def seen(self, subscriber: str, event_id: str) -> bool: ...

    def mark(self, subscriber: str, event_id: str) -> None: ...


class DispatchFailedError(Exception):
    """Some subscribers failed on an event (the others ran); the event must be delivered again."""

    def __init__(self, event: Event, failures: dict[str, Exception]) -> None:
        self.event = event
        self.failures = failures
        names = ", ".join(sorted(failures))
        super().__init__(f"event {event.id} ({event.kind}) of ticket #{event.ticket_number}: {names} failed")


class Dispatcher:
    def __init__(self, subscribers: Iterable[Subscriber], processed: ProcessedEvents) -> None:
        self._processed = processed
        self._by_kind: dict[EventKind, list[Subscriber]] = {}
        names: set[str] = set()
        for subscriber in subscribers:
            if subscriber.name in names:
                raise ValueError(f"two subscribers are named {subscriber.name!r}")
            names.add(subscriber.name)
            for kind in subscriber.kinds:
                self._by_kind.setdefault(kind, []).append(subscriber)

    def subscribers_of(self, kind: EventKind) -> tuple[Subscriber, ...]:
        return tuple(self._by_kind.get(kind, ()))

    def dispatch(self, event: Event) -> list[str]:
        """Runs the event's pending subscribers; returns the names of those that ran now."""
        ran: list[str] = []
        failures: dict[str, Exception] = {}
        for subscriber in self.subscribers_of(event.kind):
            if self._processed.seen(subscriber.name, event.id):
                continue
            try:
                subscriber.handle(event)
                self._processed.mark(subscriber.name, event.id)
            except Exception as error:  # any failure of one subscriber is that subscriber's alone
                logger.exception("%s failed on event %s", subscriber.name, event.id)
                failures[subscriber.name] = error
                continue
            ran.append(subscriber.name)
        if failures:
            raise DispatchFailedError(event, failures)
        return ran
