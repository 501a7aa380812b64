"""Routing end to end under moto: a mail in, the stream, the stack's workflow definition, the real steps."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sns.models import sns_backends

from sportello.app import sportello
from sportello.clock import utc_now
from sportello.config import settings
from sportello.routing.model import AgentProfile, AgentStatus, GroupSettings, Strategy
from sportello.routing.workflow import RoutingWorkflow

from .api import AGENT_CLAIMS, OTHER_AGENT_CLAIMS, call
from .conftest import Cloud, settings_region
from .mail import compose, deliver
from .routing import Desk

URGENT_ITALIAN = (
    "Buongiorno, il gestionale è bloccato da stamattina e non riusciamo a emettere fatture. "
    "Potete aiutarci al più presto?"
)


@pytest.fixture
def desk(cloud: Cloud) -> Desk:
    """Two agents of the support group: Anna speaks Italian, Luca English; both online; skills routing."""
    for claims in (AGENT_CLAIMS, OTHER_AGENT_CLAIMS):
        assert call("GET", "/api/me", claims=claims).status == 200  # signs them in
    app = sportello()
    app.routing_settings.save_group(
        GroupSettings("support", "Support", Strategy.SKILLS, (AGENT_CLAIMS["sub"], OTHER_AGENT_CLAIMS["sub"]))
    )
    app.routing_settings.save_classification(
        replace(app.routing_settings.classification(), default_group="support")
    )
    for claims, language in ((AGENT_CLAIMS, "it"), (OTHER_AGENT_CLAIMS, "en")):
        app.presence.save_profile(AgentProfile(claims["sub"], languages=frozenset({language})))
        app.presence.set_status(claims["sub"], AgentStatus.ONLINE, utc_now())
    return Desk()


def notifications() -> list[tuple[str, str | None, dict[str, Any]]]:
    topic = sns_backends[DEFAULT_ACCOUNT_ID][settings_region()].topics[settings().notification_topic_arn]
    return [
        (message, subject, attributes or {})
        for _, message, subject, attributes, _ in topic.sent_notifications
    ]


def test_an_urgent_italian_mail_is_classified_acknowledged_and_assigned_to_the_italian_speaker(
    cloud: Cloud, desk: Desk
) -> None:
    # Given a verified mail in Italian saying the customer is blocked
    report = deliver(
        cloud, compose(sender="Mario Rossi <mario@example.org>", subject="Urgente", body=URGENT_ITALIAN)
    )
    number = report["ticket"]

    # When the stream and the routing workflow have run
    executions = desk.settle()

    # Then one execution ran every step, and the ticket is urgent, in support, with Anna, for reasons shown
    assert [e["status"] for e in executions] == ["SUCCEEDED"]
    page = call("GET", f"/api/tickets/{number}").body
    ticket = page["ticket"]
    assert (ticket["priority"], ticket["group"], ticket["assignee"]) == (
        "urgent",
        "support",
        AGENT_CLAIMS["sub"],
    )
    reasons = {
        e["data"]["field"]: e["data"]["reason"] for e in page["events"] if e["kind"] == "routing_decided"
    }
    assert reasons["priority"] == "urgent: matched 'urgente'"
    assert reasons["assignee"] == "skills match in Support"
    fired = [e["data"]["rule_id"] for e in page["events"] if e["kind"] == "trigger_fired"]
    assert fired == ["acknowledge"]
    acknowledgements = [m for m in cloud.sent_mails() if f"[#{number}]" in str(m["Subject"])]
    assert len(acknowledgements) == 1
    [(_, subject, attributes)] = notifications()
    assert subject is not None and subject.startswith(f"[#{number}] assigned to you")
    assert attributes["assignee"]["Value"] == AGENT_CLAIMS["sub"]


def test_a_redelivered_stream_starts_no_second_execution(cloud: Cloud, desk: Desk) -> None:
    deliver(cloud, compose(subject="Help"))
    assert len(desk.settle()) == 1
    desk.delivered.clear()  # the whole stream again, as a replay would
    assert len(desk.settle()) == 1
    assert len(notifications()) == 1


def test_a_step_that_keeps_failing_leaves_the_ticket_in_its_group_with_the_reason(
    cloud: Cloud, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: RoutingWorkflow, state: Any) -> Any:
        raise TimeoutError("the presence table did not answer")

    monkeypatch.setattr(RoutingWorkflow, "assign", broken)
    number = deliver(cloud, compose(subject="Help"))["ticket"]

    executions = desk.settle()

    assert [(e["status"], e.get("error")) for e in executions] == [("FAILED", "RoutingFailed")]
    page = call("GET", f"/api/tickets/{number}").body
    assert (page["ticket"]["group"], page["ticket"]["assignee"]) == ("support", None)
    [failed] = [e["data"] for e in page["events"] if e["kind"] == "routing_failed"]
    assert failed["step"] == "assign"
    assert "the presence table did not answer" in failed["error"]
