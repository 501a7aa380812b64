"""Ticket events out: the table's stream, through the real ticket_events handler, under moto."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from sportello.bus import ProcessedEvents
from sportello.config import settings
from sportello.store.models import EventItem
from sportello.store.processed import ProcessedEventsTable
from sportello.store.schema import TTL_ATTRIBUTE
from sportello.store.tickets import DynamoTicketRepository
from tests.fakes import FakeProcessedEvents

from .api import call
from .conftest import Cloud
from .mail import compose, deliver
from .routing import wait_for_executions
from .ticket_stream import deliver as deliver_stream
from .ticket_stream import every_record


def test_the_latest_event_becomes_the_tickets_last_activity(cloud: Cloud) -> None:
    # Given a ticket opened by mail (its events are in the stream, nobody has read them yet)
    deliver(cloud, compose(sender="mario@example.org", subject="Non riesco ad accedere"))
    assert call("GET", "/api/tickets/1").body["ticket"]["last_activity_at"] is None

    # When the stream's records reach the ticket_events function
    result = deliver_stream(every_record())

    # Then every record succeeded and the ticket shows the time of its latest event
    assert result == {"batchItemFailures": []}
    page = call("GET", "/api/tickets/1").body
    assert page["events"]
    assert page["ticket"]["last_activity_at"] == max(event["created_at"] for event in page["events"])


def test_a_redelivered_batch_changes_nothing_twice(cloud: Cloud, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a ticket whose events were delivered once
    deliver(cloud, compose(sender="mario@example.org", subject="Fattura"))
    records = every_record()
    recorded: list[int] = []
    record_activity = DynamoTicketRepository.record_activity
    monkeypatch.setattr(
        DynamoTicketRepository,
        "record_activity",
        lambda self, number, at: recorded.append(number) or record_activity(self, number, at),
    )
    deliver_stream(records)
    wait_for_executions()  # the routing the first delivery started, and what it wrote
    events = len(recorded)
    ticket = call("GET", "/api/tickets/1").body["ticket"]
    written = len(every_record())

    # When the same batch is delivered again (as a stream retry or a replay does)
    assert deliver_stream(records) == {"batchItemFailures": []}

    # Then the subscriber did not run again, nothing was written (no new stream record), same ticket
    assert events > 0
    assert len(recorded) == events
    assert len(every_record()) == written
    assert call("GET", "/api/tickets/1").body["ticket"] == ticket


def test_recording_activity_never_conflicts_with_an_agent_nor_goes_back(cloud: Cloud) -> None:
    # Given an agent who read the ticket
    deliver(cloud, compose(sender="mario@example.org", subject="Ordine"))
    version = call("GET", "/api/tickets/1").body["ticket"]["version"]
    later = datetime(2030, 1, 1, tzinfo=UTC)

    # When activity is recorded, then older activity arrives late
    repository = DynamoTicketRepository()
    repository.record_activity(1, later)
    repository.record_activity(1, later - timedelta(days=1))

    # Then the ticket keeps the latest moment, its version did not move, and the agent's edit succeeds
    ticket = repository.get(1)
    assert (ticket.last_activity_at, ticket.version) == (later, version)
    edit = call("PATCH", "/api/tickets/1", {"version": version, "priority": "high"})
    assert edit.status == 200
    # And the agent's write keeps it (a ticket write carries what it read)
    assert edit.body["ticket"]["last_activity_at"] == "2030-01-01T00:00:00.000000Z"


def test_activity_on_a_ticket_that_does_not_exist_creates_nothing(cloud: Cloud) -> None:
    DynamoTicketRepository().record_activity(404, datetime(2030, 1, 1, tzinfo=UTC))

    assert every_record() == []  # not even a ticket-less item with only a last_activity_at
    assert call("GET", "/api/tickets/404").status == 404


def test_an_unreadable_event_is_quarantined_and_acknowledged(cloud: Cloud) -> None:
    # Given an event of a kind this code does not know (written by a newer version, say)
    EventItem(
        "TICKET#9",
        "EVT#2030-01-01T00:00:00.000000Z#future",
        id="future",
        ticket_number=9,
        kind="ticket_teleported",
        actor="system",
        created_at="2030-01-01T00:00:00.000000Z",
    ).save()

    # When it reaches the function, twice
    assert deliver_stream(every_record()) == {"batchItemFailures": []}
    assert deliver_stream(every_record()) == {"batchItemFailures": []}

    # Then one quarantine record names the item and the reason
    (record,) = call("GET", "/api/quarantine").body["items"]
    assert record["raw_key"] == "TICKET#9/EVT#2030-01-01T00:00:00.000000Z#future"
    assert "ticket_teleported" in record["reason"]


@pytest.mark.parametrize("processed", [FakeProcessedEvents, ProcessedEventsTable], ids=["fake", "table"])
def test_processed_events_remember_each_subscriber_and_event_apart(
    cloud: Cloud, processed: Callable[[], ProcessedEvents]
) -> None:
    # The fake the unit tests use keeps the table's promises
    markers = processed()
    assert not markers.seen("last_activity", "e1")

    markers.mark("last_activity", "e1")
    markers.mark("last_activity", "e1")  # a concurrent delivery marks it again: no error

    assert markers.seen("last_activity", "e1")
    assert not markers.seen("last_activity", "e2")
    assert not markers.seen("sla", "e1")


def test_a_marker_is_one_item_of_its_own_that_expires_after_a_week(cloud: Cloud) -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    ProcessedEventsTable(now=lambda: now).mark("last_activity", "e1")

    item = boto3.client("dynamodb").get_item(
        TableName=settings().table_name,
        Key={"pk": {"S": "PROCESSED#last_activity#e1"}, "sk": {"S": "PROCESSED"}},
    )["Item"]
    assert item["item_type"] == {"S": "processed_event"}
    assert int(item[TTL_ATTRIBUTE]["N"]) == int((now + timedelta(days=7)).timestamp())
