"""The SLA end to end under moto: a mail in, the stream rebuilds its clocks, the sweep alerts through the
topic once (overlapping sweeps included), pending pauses, and business time crosses DST as the wall does."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sla_sweep.handler import handler as sla_sweep_handler

from infra.constants import SLA_SWEEP_FUNCTION
from infra.local.events import LambdaContext, scheduled_event
from sportello.app import Sportello, sportello
from sportello.clock import utc_now
from sportello.config import settings
from sportello.sla.model import TargetKind
from sportello.sla.policies import parse_policies
from sportello.store.tickets import DynamoTicketRepository
from sportello.tickets.events import Event, EventKind, TicketCreated
from sportello.tickets.model import Channel, Priority, Requester, Status, Ticket

from .api import AGENT_CLAIMS, call
from .conftest import Cloud
from .mail import compose, deliver
from .test_routing_flow import notifications

ROUND_THE_CLOCK = {
    "first_reply": {"minutes": 10, "business": False},
    "resolution": {"minutes": 60, "business": False},
}


def use_policies(*targets_by_priority: dict[str, Any], escalation: list[Any] | None = None) -> None:
    policy = {"id": "fast", "name": "Fast", "targets": {"normal": targets_by_priority[0]}}
    if escalation:
        policy["escalation"] = escalation
    sportello().sla_settings.save_policies(parse_policies({"policies": [policy]}))


def a_mail(cloud: Cloud, sender: str = "Mario Rossi <mario@example.org>") -> int:
    report = deliver(cloud, compose(sender=sender, subject="Il pacco non è arrivato"))
    cloud.desk.settle()  # the stream: ticket events to their subscribers (the SLA clocks among them)
    return int(report["ticket"])


def sla_alerts() -> list[tuple[str, str, str]]:
    return [
        (attributes["ticket"]["Value"], attributes["target"]["Value"], attributes["severity"]["Value"])
        for _, _, attributes in notifications()
        if attributes.get("kind", {}).get("Value") == "sla"
    ]


def test_a_mail_starts_its_clocks_and_the_ticket_page_shows_them(cloud: Cloud) -> None:
    use_policies(ROUND_THE_CLOCK)
    before = utc_now()
    number = a_mail(cloud)
    page = call("GET", f"/api/tickets/{number}").body
    assert page["sla"]["policy"] == {"id": "fast", "name": "Fast"}
    first = next(t for t in page["sla"]["targets"] if t["target"] == "first_reply")
    assert first["state"] == "running"
    assert 0 < first["left_seconds"] <= 600
    due = datetime.fromisoformat(first["due_at"].replace("Z", "+00:00"))
    assert before + timedelta(minutes=10) <= due <= utc_now() + timedelta(minutes=10)
    listed = call("GET", "/api/tickets").body["items"]
    assert [(t["number"], t["sla"]["target"]) for t in listed] == [(number, "first_reply")]
    at_risk = call("GET", "/api/sla/at-risk").body["items"]
    assert [t["number"] for t in at_risk] == [number]


def test_the_schedule_sends_nothing_before_time_and_each_alert_once_after(cloud: Cloud) -> None:
    use_policies(ROUND_THE_CLOCK, escalation=[{"kind": "set_priority", "value": "urgent"}])
    number = a_mail(cloud)
    # Now, through the handler as EventBridge invokes it: nothing is due yet.
    assert sla_sweep_handler(scheduled_event(), LambdaContext(SLA_SWEEP_FUNCTION))["alerts"] == 0
    later = utc_now() + timedelta(minutes=11)
    sportello().sla.sweep(later)
    sportello().sla.sweep(later)
    cloud.desk.settle()
    assert sla_alerts() == [(str(number), "first_reply", "warning"), (str(number), "first_reply", "breach")]
    ticket = call("GET", f"/api/tickets/{number}").body
    assert ticket["ticket"]["priority"] == "urgent"  # escalated
    kinds = [event["kind"] for event in ticket["events"]]
    assert kinds.count("sla_alerted") == 2
    assert kinds.count("sla_escalated") == 1


@pytest.mark.usefixtures("atomic_moto")
def test_overlapping_sweeps_send_each_alert_once(cloud: Cloud) -> None:
    use_policies(ROUND_THE_CLOCK)
    numbers = [a_mail(cloud, f"Cliente {i} <cliente{i}@example.org>") for i in range(6)]
    later = utc_now() + timedelta(minutes=11)
    # Four Lambdas at once, each with its own clients and its own copy of the services.
    sweeps = [Sportello(settings()).sla for _ in range(4)]
    start = threading.Barrier(len(sweeps))

    def run(service: Any) -> None:
        start.wait()
        service.sweep(later)

    threads = [threading.Thread(target=run, args=(service,)) for service in sweeps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    severities = ("breach", "warning")
    expected = sorted((str(n), "first_reply", severity) for n in numbers for severity in severities)
    assert sorted(sla_alerts()) == expected


def test_pending_pauses_the_clock_and_open_resumes_it(cloud: Cloud) -> None:
    use_policies(ROUND_THE_CLOCK)
    number = a_mail(cloud)
    version = call("GET", f"/api/tickets/{number}").body["ticket"]["version"]
    call("PATCH", f"/api/tickets/{number}", {"version": version, "status": "pending"}, claims=AGENT_CLAIMS)
    cloud.desk.settle()
    paused = sportello().sla.record(number)
    first = next(clock for clock in paused.clocks if clock.target is TargetKind.FIRST_REPLY)
    assert (first.running_since, first.due_at) == (None, None)
    assert paused.next_alert_at() is None  # out of the due index: sweeps do not read it while it waits
    sportello().sla.sweep(utc_now() + timedelta(hours=5))
    assert sla_alerts() == []
    version = call("GET", f"/api/tickets/{number}").body["ticket"]["version"]
    call("PATCH", f"/api/tickets/{number}", {"version": version, "status": "open"}, claims=AGENT_CLAIMS)
    cloud.desk.settle()
    resumed = next(c for c in sportello().sla.record(number).clocks if c.target is TargetKind.FIRST_REPLY)
    assert resumed.running_since is not None
    assert resumed.due_at is not None and resumed.due_at > utc_now() + timedelta(minutes=9)


def test_a_public_reply_stops_the_first_reply_clock(cloud: Cloud) -> None:
    use_policies(ROUND_THE_CLOCK)
    number = a_mail(cloud)
    call("POST", f"/api/tickets/{number}/messages", {"body": "Ci pensiamo noi."}, claims=AGENT_CLAIMS)
    cloud.desk.settle()
    sportello().sla.sweep(utc_now() + timedelta(minutes=11))
    assert sla_alerts() == []  # resolution (60 minutes) is not due yet, first reply is met
    page = call("GET", f"/api/tickets/{number}").body
    assert {t["target"]: t["state"] for t in page["sla"]["targets"]} == {
        "first_reply": "met",
        "resolution": "running",
    }


def opened_at(cloud: Cloud, created: datetime) -> int:
    """A ticket that arrived at `created` (in the past), written as the intake writes one."""
    repo = DynamoTicketRepository()
    number = repo.next_number()
    requester = Requester("customer-dst", "Mario Rossi", "mario@example.org")
    ticket = Ticket(
        number, "Fattura", Status.NEW, Priority.NORMAL, Channel.EMAIL, requester, "it", created, created
    )
    repo.write(ticket, events=[Event.new(number, "customer", created, TicketCreated("email"))], new=True)
    cloud.desk.settle()
    return number


def test_business_time_crosses_the_change_to_summer_time_as_the_wall_clock_does(cloud: Cloud) -> None:
    # 8 business hours from Friday 27 March 2026, 17:30 in Rome (UTC+1): half an hour on Friday, then
    # Monday 30 March (UTC+2 since Sunday) from 9:00 to 17:30 with the lunch break: 17:30 CEST.
    use_policies({"first_reply": {"minutes": 8 * 60}})
    number = opened_at(cloud, datetime(2026, 3, 27, 16, 30, tzinfo=UTC))
    [first] = sportello().sla.record(number).clocks
    assert first.due_at == datetime(2026, 3, 30, 15, 30, tzinfo=UTC)
    assert first.warn_at == datetime(2026, 3, 30, 13, 30, tzinfo=UTC)  # 6 hours: 15:30 CEST


def test_a_history_of_events_is_read_whole_whatever_the_stream_delivered(cloud: Cloud) -> None:
    use_policies(ROUND_THE_CLOCK)
    number = a_mail(cloud)
    stored = DynamoTicketRepository().history(number).events
    assert any(event.kind is EventKind.TICKET_CREATED for event in stored)
    before = sportello().sla.record(number)
    assert sportello().sla.refresh(number) == before  # a redelivered event rebuilds the same clocks


def test_business_time_skips_a_public_holiday(cloud: Cloud) -> None:
    # 4 business hours from Friday 3 April 2026, 17:00 in Rome (UTC+2): one hour on Friday; Easter Monday
    # (6 April, a public holiday in Italy) is closed; three hours on Tuesday from 9:00: 12:00 CEST.
    use_policies({"first_reply": {"minutes": 4 * 60}})
    number = opened_at(cloud, datetime(2026, 4, 3, 15, 0, tzinfo=UTC))
    [first] = sportello().sla.record(number).clocks
    assert first.due_at == datetime(2026, 4, 7, 10, 0, tzinfo=UTC)
