"""The automations function on moto, invoked as the schedule invokes it (the local cloud's timer): the
sweep reads the by_status index, bounded by what is due, never scans, and acts once per ticket and state."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from automations.handler import handler as automations_handler
from pynamodb.connection.base import Connection

from infra.constants import AUTOMATIONS_FUNCTION
from infra.local.events import LambdaContext, scheduled_event
from infra.local.schedule import ScheduledRule, automations_interval
from sportello.app import sportello
from sportello.clock import utc_now
from sportello.routing.settings import BUILTIN_AUTOMATIONS
from sportello.store.tickets import DynamoTicketRepository
from sportello.tickets.events import EventKind
from sportello.tickets.model import AuthorType, Status

from .conftest import Cloud
from .mail import compose, deliver


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """What the table is asked: scans refused outright; index queries and the items they return counted."""
    counted = {"index_queries": 0, "index_items": 0}
    original = Connection.dispatch

    def dispatch(self: Connection, operation_name: str, operation_kwargs: dict[str, Any]) -> dict[str, Any]:
        if operation_name == "Scan":
            raise AssertionError("the automations never scan")
        data = original(self, operation_name, operation_kwargs)
        if operation_name == "Query" and operation_kwargs.get("IndexName"):
            counted["index_queries"] += 1
            counted["index_items"] += int(data.get("Count", 0))
        return data

    monkeypatch.setattr(Connection, "dispatch", dispatch)
    yield counted


def a_ticket(cloud: Cloud, sender: str, status: Status, updated: datetime) -> int:
    report = deliver(cloud, compose(sender=sender, subject=f"Richiesta di {sender}"))
    number = int(report["ticket"])
    repo = DynamoTicketRepository()
    repo.write(replace(repo.get(number), status=status, updated_at=updated))
    return number


def sweep() -> dict[str, Any]:
    result: dict[str, Any] = automations_handler(scheduled_event(), LambdaContext(AUTOMATIONS_FUNCTION))
    return result


def test_the_schedule_runs_the_examples_on_the_tickets_that_are_due(
    cloud: Cloud, reads: dict[str, int]
) -> None:
    # Given the three built-in examples switched on, and tickets of every kind
    for rule in BUILTIN_AUTOMATIONS:
        sportello().routing_settings.save_rule(replace(rule, enabled=True))
    now = utc_now()
    forgotten = a_ticket(cloud, "anna@example.org", Status.PENDING, now - timedelta(days=20))
    solved = a_ticket(cloud, "bruno@example.org", Status.SOLVED, now - timedelta(days=5))
    fresh = a_ticket(cloud, "carla@example.org", Status.PENDING, now - timedelta(hours=1))
    recently_solved = a_ticket(cloud, "dario@example.org", Status.SOLVED, now - timedelta(days=1))
    closed = a_ticket(cloud, "elena@example.org", Status.CLOSED, now - timedelta(days=90))
    sent_before = len(cloud.sent_mails())
    closed_version = DynamoTicketRepository().get(closed).version

    # When the schedule fires, through the local cloud's timer and the real handler
    changes: list[bool] = []
    lock = threading.RLock()
    fired = ScheduledRule(
        automations_handler,
        AUTOMATIONS_FUNCTION,
        60,
        lock,
        lambda: changes.append(lock._is_owned()),
        threading.Event(),  # type: ignore[attr-defined]
    ).fire()
    assert changes == [True]  # the local state is marked changed, under the cloud's lock

    # Then it examined only what was due: the forgotten pending ticket and the ticket solved long ago
    assert fired == {"rules": 3, "examined": 2, "acted": 2}
    assert reads["index_items"] == 2
    tickets = sportello().tickets
    assert tickets.get(forgotten).tags == ["reminded"]
    assert tickets.get(solved).status is Status.CLOSED
    assert tickets.get(fresh).tags == [] and tickets.get(fresh).status is Status.PENDING
    assert tickets.get(recently_solved).status is Status.SOLVED
    assert tickets.get(closed).version == closed_version
    # And the reminder went out by mail, once, threaded on the ticket
    (reminder,) = cloud.sent_mails()[sent_before:]
    assert "anna@example.org" in reminder["To"]
    assert f"[#{forgotten}]" in reminder["Subject"]
    history = tickets.history(forgotten)
    assert [m.author_type for m in history.messages][-1] is AuthorType.SYSTEM
    (fired_event,) = [e for e in history.events if e.kind is EventKind.TRIGGER_FIRED]
    assert fired_event.data["rule_kind"] == "automation"

    # When the schedule fires again within the hour (or EventBridge delivers the event twice)
    again = sweep()

    # Then nothing is due any more: nothing acts twice, nothing more is sent
    assert again == {"rules": 3, "examined": 0, "acted": 0}
    assert len(cloud.sent_mails()) == sent_before + 1


def test_with_no_automation_switched_on_the_sweep_reads_no_ticket(
    cloud: Cloud, reads: dict[str, int]
) -> None:
    a_ticket(cloud, "anna@example.org", Status.PENDING, utc_now() - timedelta(days=20))
    assert sweep() == {"rules": 0, "examined": 0, "acted": 0}
    assert reads["index_queries"] == 0


def test_the_local_interval_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPORTELLO_LOCAL_AUTOMATIONS_SECONDS", raising=False)
    assert automations_interval() == 60
    monkeypatch.setenv("SPORTELLO_LOCAL_AUTOMATIONS_SECONDS", "5")
    assert automations_interval() == 5
    monkeypatch.setenv("SPORTELLO_LOCAL_AUTOMATIONS_SECONDS", "0")
    assert automations_interval() == 0
    assert (
        ScheduledRule(sweep, AUTOMATIONS_FUNCTION, 0, threading.RLock(), print, threading.Event()).start()
        is None
    )


def test_the_scheduled_event_is_shaped_as_eventbridge_sends_it() -> None:
    event = scheduled_event("sportello-automations", datetime(2026, 12, 2, 5, 0, 7, 123000).astimezone())
    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    assert event["detail"] == {}
    assert event["time"].endswith("Z") and "." not in event["time"]
    assert event["resources"] == [f"arn:aws:events:eu-west-1:{event['account']}:rule/sportello-automations"]
