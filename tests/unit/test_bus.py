"""The ticket events' bus: routing by kind, once per subscriber and event, failures kept apart."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sportello.activity import LastActivity
from sportello.bus import Dispatcher, DispatchFailedError, TicketEventConsumer
from sportello.bus.consumer import QUARANTINE_CHANNEL
from sportello.tickets.events import Event, EventKind, MessageAdded, StatusChanged, TicketCreated
from sportello.tickets.stream import StreamChange
from tests.fakes import FakeActivityLog, FakeProcessedEvents, InMemoryQuarantine

AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@dataclass
class Recorder:
    """A subscriber that remembers what it handled and fails while `failing` is set."""

    name: str
    kinds: frozenset[EventKind]
    failing: bool = False
    handled: list[str] = field(default_factory=list)

    def handle(self, event: Event) -> None:
        if self.failing:
            raise RuntimeError(f"{self.name} is down")
        self.handled.append(event.id)


def status_changed(event_id: str = "e1") -> Event:
    return Event(event_id, 7, "agent-1", AT, StatusChanged(old="new", new="open"))


def test_each_event_goes_to_the_subscribers_of_its_kind() -> None:
    # Given one subscriber of status changes and one of new tickets
    statuses = Recorder("statuses", frozenset({EventKind.STATUS_CHANGED}))
    creations = Recorder("creations", frozenset({EventKind.TICKET_CREATED}))
    dispatcher = Dispatcher([statuses, creations], FakeProcessedEvents())

    # When a status change and a message are dispatched
    ran = dispatcher.dispatch(status_changed("e1"))
    dispatcher.dispatch(Event("e2", 7, "customer", AT, MessageAdded()))

    # Then only the status subscriber ran, once; nobody subscribes to messages
    assert ran == ["statuses"]
    assert statuses.handled == ["e1"]
    assert creations.handled == []


def test_a_redelivered_event_runs_nothing_twice() -> None:
    first = Recorder("first", frozenset(EventKind))
    second = Recorder("second", frozenset(EventKind))
    dispatcher = Dispatcher([first, second], FakeProcessedEvents())
    batch = [status_changed("e1"), Event("e2", 8, "system", AT, TicketCreated(channel="email"))]

    for event in batch:
        dispatcher.dispatch(event)
    redelivered = [dispatcher.dispatch(event) for event in batch]

    assert redelivered == [[], []]
    assert first.handled == second.handled == ["e1", "e2"]


def test_a_failing_subscriber_does_not_stop_the_others_and_is_retried_alone() -> None:
    # Given three subscribers, the middle one failing
    before = Recorder("before", frozenset(EventKind))
    broken = Recorder("broken", frozenset(EventKind), failing=True)
    after = Recorder("after", frozenset(EventKind))
    dispatcher = Dispatcher([before, broken, after], FakeProcessedEvents())

    # When the event is dispatched, the event fails, naming the failed subscriber only
    with pytest.raises(DispatchFailedError) as failed:
        dispatcher.dispatch(status_changed())
    assert list(failed.value.failures) == ["broken"]
    assert before.handled == after.handled == ["e1"]

    # And once it recovers, the retry runs it alone
    broken.failing = False
    assert dispatcher.dispatch(status_changed()) == ["broken"]
    assert (before.handled, broken.handled, after.handled) == (["e1"], ["e1"], ["e1"])


def test_subscriber_names_are_unique() -> None:
    with pytest.raises(ValueError, match="two subscribers"):
        Dispatcher([Recorder("same", frozenset()), Recorder("same", frozenset())], FakeProcessedEvents())


# --- the stream consumer ---------------------------------------------------------------------------------


def change(event_name: str = "INSERT", **image: Any) -> StreamChange:
    new_image = {
        "pk": "TICKET#7",
        "sk": "EVT#2026-12-01T09:00:00.000000Z#e1",
        "item_type": "event",
        "id": "e1",
        "ticket_number": 7,
        "kind": "status_changed",
        "actor": "agent-1",
        "data": json.dumps({"old": "new", "new": "open"}),
        "created_at": "2026-12-01T09:00:00.000000Z",
        **image,
    }
    return StreamChange(event_name, {"pk": new_image["pk"], "sk": new_image["sk"]}, new_image)


@dataclass
class Consumer:
    consumer: TicketEventConsumer
    quarantine: InMemoryQuarantine
    subscriber: Recorder


@pytest.fixture
def consumer() -> Consumer:
    quarantine = InMemoryQuarantine()
    subscriber = Recorder("everything", frozenset(EventKind))
    dispatcher = Dispatcher([subscriber], FakeProcessedEvents())
    return Consumer(TicketEventConsumer(dispatcher, quarantine, now=lambda: AT), quarantine, subscriber)


def test_an_inserted_event_item_is_dispatched(consumer: Consumer) -> None:
    event = consumer.consumer.consume(change())

    assert event == status_changed()
    assert consumer.subscriber.handled == ["e1"]


def test_other_changes_are_ignored(consumer: Consumer) -> None:
    assert consumer.consumer.consume(change("MODIFY")) is None
    assert consumer.consumer.consume(change(item_type="ticket")) is None
    assert consumer.subscriber.handled == []
    assert consumer.quarantine.records == {}


def test_an_unreadable_event_is_quarantined_once_and_acknowledged(consumer: Consumer) -> None:
    # When an event of a kind this code does not know arrives, twice (a redelivery)
    for _ in range(2):
        assert consumer.consumer.consume(change(kind="ticket_teleported")) is None

    # Then one quarantine record says which item and why, and nobody was called
    (record,) = consumer.quarantine.records.values()
    assert record.raw_key == "TICKET#7/EVT#2026-12-01T09:00:00.000000Z#e1"
    assert "ticket_teleported" in record.reason
    assert record.channel == QUARANTINE_CHANNEL
    assert record.received_at == AT
    assert consumer.subscriber.handled == []


# --- the activity subscriber -----------------------------------------------------------------------------


def test_every_event_moves_the_tickets_last_activity_forward() -> None:
    log = FakeActivityLog()
    dispatcher = Dispatcher([LastActivity(log)], FakeProcessedEvents())
    later = AT + timedelta(minutes=5)

    # Events of any kind, delivered out of order
    dispatcher.dispatch(Event("e2", 7, "agent-1", later, StatusChanged(old="new", new="open")))
    dispatcher.dispatch(Event("e1", 7, "system", AT, TicketCreated(channel="email")))
    dispatcher.dispatch(Event("e3", 9, "customer", AT, MessageAdded()))

    assert log.last == {7: later, 9: AT}


def test_the_activity_subscriber_wants_every_kind() -> None:
    assert LastActivity(FakeActivityLog()).kinds == frozenset(EventKind)
