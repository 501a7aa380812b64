"""The sweep: each warning and breach alerted once, escalation once, nothing for met or paused clocks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from sportello.sla.model import PENDING_ALERT_EXPIRY, AlertState, TargetKind
from sportello.tickets.events import EventKind
from sportello.tickets.model import Priority, Status
from tests.unit.sla.test_clocks import MONDAY_10, rome
from tests.unit.sla.world import World, policy

ONLY_FIRST_REPLY = {"normal": {"first_reply": {"minutes": 60}}, "urgent": {"first_reply": {"minutes": 60}}}
ESCALATE = [
    {"kind": "set_priority", "value": "urgent"},
    {"kind": "set_group", "value": "escalations"},
    {"kind": "add_note", "templates": {"default": "SLA breached on #{ticket.number}"}},
    {"kind": "notify", "subject": "Escalated #{ticket.number}", "templates": {"default": "see it"}},
]


def first_reply_world(**overrides: Any) -> World:
    world = World(policy(targets=ONLY_FIRST_REPLY, **overrides))
    world.at(MONDAY_10)
    return world


def test_nothing_is_due_before_the_warning() -> None:
    world = first_reply_world()
    world.customer_writes()
    world.at(rome(2, 10, 44))
    report = world.sweep()
    assert (report.examined, world.alerts()) == (0, [])


def test_the_warning_then_the_breach_are_each_sent_once() -> None:
    world = first_reply_world()
    number = world.customer_writes()
    world.at(rome(2, 10, 45))
    world.sweep()
    world.at(rome(2, 10, 46))
    world.sweep()
    assert world.alerts() == [(str(number), "first_reply", "warning")]
    world.at(rome(2, 11))
    world.sweep()
    world.sweep()
    assert world.alerts() == [(str(number), "first_reply", "warning"), (str(number), "first_reply", "breach")]
    # Nothing left to send: the ticket is out of the due index, and later sweeps do not read it.
    assert world.record(number).next_alert_at() is None
    world.at(rome(2, 12))
    assert world.sweep().examined == 0


def test_a_late_sweep_sends_the_warning_and_the_breach_in_order() -> None:
    world = first_reply_world()
    number = world.customer_writes()
    world.at(rome(2, 16))
    world.sweep()
    assert world.alerts() == [(str(number), "first_reply", "warning"), (str(number), "first_reply", "breach")]


def test_an_alert_carries_the_attributes_subscriptions_filter_on() -> None:
    world = first_reply_world()
    number = world.customer_writes()
    world.at(rome(2, 11))
    world.sweep()
    subject, message, attributes = world.notifier.sent[-1]
    assert subject.startswith(f"[SLA breach] #{number} First reply overdue")
    assert "Policy: Standard" in message
    assert {
        key: attributes[key] for key in ("kind", "severity", "target", "priority", "group", "assignee")
    } == {
        "kind": "sla",
        "severity": "breach",
        "target": "first_reply",
        "priority": "normal",
        "group": "-",
        "assignee": "-",
    }


def test_each_alert_is_written_in_the_ticket_history_at_its_threshold() -> None:
    world = first_reply_world()
    number = world.customer_writes()
    world.at(rome(2, 11, 30))
    world.sweep()
    alerted = world.desk.events(number, EventKind.SLA_ALERTED)
    assert [(e.data["threshold"], e.created_at) for e in alerted] == [
        ("warning", rome(2, 10, 45)),
        ("breach", rome(2, 11)),
    ]


def test_overlapping_sweeps_send_each_alert_once() -> None:
    world = first_reply_world()
    number = world.customer_writes()
    world.at(rome(2, 10, 50))
    other = world.service()  # another Lambda's sweep, on the same table
    read = world.book.get
    reports = []

    def read_then_let_the_other_sweep_run(ticket: int) -> Any:
        record = read(ticket)
        world.book.get = read  # type: ignore[method-assign]
        reports.append(other.sweep(world.now))  # it runs whole between our read and our claim
        return record

    world.book.get = read_then_let_the_other_sweep_run  # type: ignore[method-assign]
    mine = world.sweep()
    assert world.alerts() == [(str(number), "first_reply", "warning")]
    assert (mine.alerts, reports[0].alerts) == (0, 1)


def test_a_sweep_that_loses_the_claim_race_sends_nothing() -> None:
    world = first_reply_world()
    number = world.customer_writes()
    world.at(rome(2, 10, 50))
    saves = world.book.save

    def someone_else_first(record: Any) -> Any:
        world.book.save = saves  # type: ignore[method-assign]
        saves(world.book.get(number))  # another writer bumps the version just before our claim
        return saves(record)

    world.book.save = someone_else_first  # type: ignore[method-assign]
    world.sweep()
    assert world.alerts() == []
    world.sweep()  # the next minute's sweep sends it
    assert world.alerts() == [(str(number), "first_reply", "warning")]


def test_a_failed_publish_releases_the_claim_and_the_next_sweep_sends_it() -> None:
    world = first_reply_world()
    number = world.customer_writes()
    world.at(rome(2, 10, 50))
    notify = world.notifier.notify

    def down(subject: str, message: str, attributes: Any) -> None:
        raise ConnectionError("SNS is unreachable")

    world.notifier.notify = down  # type: ignore[method-assign]
    assert world.sweep().failed == 1
    assert world.record(number).alerts == {}
    world.notifier.notify = notify  # type: ignore[method-assign]
    world.sweep()
    assert world.alerts() == [(str(number), "first_reply", "warning")]


def test_a_claim_left_pending_by_a_sweep_that_died_is_sent_after_it_expires() -> None:
    world = first_reply_world()
    number = world.customer_writes()
    world.at(rome(2, 10, 50))
    record = world.book.get(number)
    world.book.save(record.marked(["first_reply:1:warning"], AlertState.PENDING, world.now))
    world.sweep()
    assert world.alerts() == []  # a live sweep may still be publishing it
    world.at(world.now + PENDING_ALERT_EXPIRY)
    world.sweep()
    assert world.alerts() == [(str(number), "first_reply", "warning")]
    assert len(world.desk.events(number, EventKind.SLA_ALERTED)) == 1


def test_a_reply_before_the_due_time_stops_the_alerts() -> None:
    world = first_reply_world()
    number = world.customer_writes()
    world.at(rome(2, 10, 50))
    world.sweep()
    world.agent_replies(number)
    world.at(rome(2, 12))
    assert world.sweep().examined == 0
    assert world.alerts() == [(str(number), "first_reply", "warning")]


def test_a_paused_clock_is_not_alerted_and_resumes_where_it_stopped() -> None:
    world = first_reply_world()
    number = world.customer_writes()
    world.at(rome(2, 10, 30))
    world.status(number, Status.PENDING)
    world.at(rome(2, 17))
    world.sweep()
    assert world.alerts() == []
    world.status(number, Status.OPEN)  # 30 minutes used: the warning at 17:15, the breach at 17:30
    world.at(rome(2, 17, 15))
    world.sweep()
    assert world.alerts() == [(str(number), "first_reply", "warning")]


def test_a_breach_escalates_once_through_the_routing_actions() -> None:
    world = first_reply_world(escalation=ESCALATE)
    number = world.customer_writes()
    world.at(rome(2, 11))
    report = world.sweep()
    world.sweep()
    ticket = world.desk.service.get(number)
    assert (ticket.priority, ticket.group) == (Priority.URGENT, "escalations")
    notes = [m.text for m in world.desk.messages(number) if not m.public]
    assert notes == [f"SLA breached on #{number}"]
    assert [subject for subject, _, a in world.notifier.sent if a["kind"] == "rule"] == [
        f"Escalated #{number}"
    ]
    assert len(world.desk.events(number, EventKind.SLA_ESCALATED)) == 1
    assert report.escalations == 1


def test_a_warning_does_not_escalate() -> None:
    world = first_reply_world(escalation=ESCALATE)
    number = world.customer_writes()
    world.at(rome(2, 10, 50))
    world.sweep()
    assert world.desk.service.get(number).priority is Priority.NORMAL


def test_a_sweep_reads_only_what_is_due() -> None:
    world = first_reply_world()
    for _ in range(3):
        world.customer_writes()
    world.at(rome(2, 12))
    late = world.customer_writes()  # due at 13:00: not yet
    report = world.sweep()
    assert report.examined == 3
    assert world.record(late).next_alert_at() == rome(2, 12, 45)


@pytest.mark.parametrize("target", [TargetKind.NEXT_REPLY, TargetKind.RESOLUTION])
def test_every_target_alerts(target: TargetKind) -> None:
    world = World(
        policy(targets={"normal": {target.value: {"minutes": 60}, "first_reply": {"minutes": 600}}})
    )
    world.at(MONDAY_10)
    number = world.customer_writes()
    if target is TargetKind.NEXT_REPLY:
        world.at(rome(2, 10, 5))
        world.agent_replies(number)
        world.at(rome(2, 10, 10))
        world.customer_writes("E quindi?", number)
    world.at(world.now + timedelta(minutes=60))
    world.sweep()
    assert (str(number), target.value, "breach") in world.alerts()
