"""The SLA as `make dev` shows it: the demo's VIP WhatsApp message is under a two-minute first-reply
policy; its warning and breach reach the notification topic once each, on time, the breach escalates as
the policy says, and a reply stops the clock. A new VIP request answered in time is met."""

from __future__ import annotations

import smtplib
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import pytest
from playwright.sync_api import expect

from infra.local.auth import SEEDED_AGENTS
from infra.local.demo import DEMO_MAILS

from .conftest import RunningCloud, screenshot, start_cloud

pytestmark = pytest.mark.e2e

ANDREA = SEEDED_AGENTS[1]
VIP_WHATSAPP = len(DEMO_MAILS) + 1  # Lucia Ferri, VIP: "VIP express (demo)", first reply in 2 minutes
FIRST_REPLY_SECONDS = 120


@pytest.fixture(scope="module")
def demo_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCloud]:
    # The SLA sweep every 2 seconds (EventBridge runs it every minute; the local default is 10 s).
    cloud = start_cloud(
        tmp_path_factory.mktemp("sportello-sla"), demo=True, env={"SPORTELLO_LOCAL_SLA_SECONDS": "2"}
    )
    yield cloud
    cloud.stop()


def sla_alerts(cloud: RunningCloud, ticket: int) -> list[dict[str, Any]]:
    return [
        n
        for n in cloud.get("/local/notifications")["notifications"]
        if n["attributes"].get("kind") == "sla" and n["attributes"].get("ticket") == str(ticket)
    ]


def wait_for_breach(cloud: RunningCloud, ticket: int, timeout: float) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alerts = sla_alerts(cloud, ticket)
        if any(alert["attributes"]["severity"] == "breach" for alert in alerts):
            return alerts
        time.sleep(1)
    raise AssertionError(f"no breach alert for #{ticket} in {timeout} s: {sla_alerts(cloud, ticket)}")


def with_sla(cloud: RunningCloud, ticket: int, token: str, policy: str, timeout: float = 20) -> Any:
    """The ticket page once the stream has given it clocks under `policy`."""
    deadline = time.monotonic() + timeout
    while True:
        page = cloud.get(f"/api/tickets/{ticket}", token)
        if (page["sla"] or {}).get("policy", {}).get("name") == policy or time.monotonic() > deadline:
            return page
        time.sleep(0.3)


def moment(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def test_the_vip_request_warns_then_breaches_once_escalates_and_a_reply_stops_its_clock(
    demo_cloud: RunningCloud, page: Any
) -> None:
    token = demo_cloud.token(ANDREA.email)
    # Given Lucia's WhatsApp message, counting down from two minutes
    before = with_sla(demo_cloud, VIP_WHATSAPP, token, "VIP express (demo)")
    assert before["sla"]["policy"]["name"] == "VIP express (demo)"
    first = next(t for t in before["sla"]["targets"] if t["target"] == "first_reply")
    assert (first["state"], first["business"]) == ("running", False)
    due, warn = moment(first["due_at"]), moment(first["warn_at"])
    assert (due - moment(first["started_at"])).total_seconds() == FIRST_REPLY_SECONDS

    # When nobody answers for two minutes
    alerts = wait_for_breach(demo_cloud, VIP_WHATSAPP, timeout=FIRST_REPLY_SECONDS + 60)
    breached_at = datetime.now(UTC)
    time.sleep(5)  # two more sweeps, which must send nothing again

    # Then the warning and the breach were each published once, in that order, with their attributes
    alerts = sla_alerts(demo_cloud, VIP_WHATSAPP)
    assert [a["attributes"]["severity"] for a in reversed(alerts)] == ["warning", "breach"]
    assert all(a["attributes"]["target"] == "first_reply" for a in alerts)
    # on time: the breach within a few sweeps of the due time (the warning came at 75 %, before it)
    assert (breached_at - due).total_seconds() < 15
    assert warn < due
    # and the breach escalated as the policy says: urgent, tagged, an internal note, a notification
    page_data = demo_cloud.get(f"/api/tickets/{VIP_WHATSAPP}", token)
    ticket = page_data["ticket"]
    assert ticket["priority"] == "urgent"
    assert "sla-breached" in ticket["tags"]
    notes = [m["text"] for m in page_data["messages"] if not m["public"]]
    assert notes == ["SLA superato per Lucia Ferri: rispondere subito."]
    kinds = [event["kind"] for event in page_data["events"]]
    assert (kinds.count("sla_alerted"), kinds.count("sla_escalated")) == (2, 1)
    escalation_notices = [
        n
        for n in demo_cloud.get("/local/notifications")["notifications"]
        if n["subject"] == f"SLA breached on #{VIP_WHATSAPP}"
    ]
    assert len(escalation_notices) == 1
    breached = next(t for t in page_data["sla"]["targets"] if t["target"] == "first_reply")
    assert breached["state"] == "breached" and breached["left_seconds"] < 0

    # And the agent sees it on the ticket page
    page.goto(demo_cloud.base_url)
    page.get_by_test_id("login-email").fill(ANDREA.email)
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("nav-mine").click()
    page.locator(f'[data-testid="ticket-row"][data-number="{VIP_WHATSAPP}"]').click()
    expect(page.get_by_text("SLA superato per Lucia Ferri: rispondere subito.")).to_be_visible()
    page.get_by_test_id("history").locator("summary").click()
    history = page.get_by_test_id("history")
    expect(history.locator(".history-kind", has_text="SLA alert")).to_have_count(2)
    expect(history.locator(".history-kind", has_text="SLA escalation")).to_have_count(1)
    screenshot(page, "sla-breached-vip-ticket")

    # When Andrea replies, the clock stops (met late: it stays breached, with no time left to count)
    demo_cloud.send("POST", f"/api/tickets/{VIP_WHATSAPP}/messages", {"body": "Arriviamo oggi."}, token)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        targets = demo_cloud.get(f"/api/tickets/{VIP_WHATSAPP}", token)["sla"]["targets"]
        stopped = next(t for t in targets if t["target"] == "first_reply")
        if stopped["met_at"]:
            break
        time.sleep(0.5)
    assert (stopped["state"], stopped["left_seconds"]) == ("breached", None)


def test_a_vip_request_answered_in_time_meets_its_first_reply_target(demo_cloud: RunningCloud) -> None:
    token = demo_cloud.token(ANDREA.email)
    mail = EmailMessage()
    mail["From"] = "Lucia Ferri <lucia@ferricostruzioni.example>"
    mail["To"] = "support@sportello.local"
    mail["Subject"] = "Ordine 4471"
    mail.set_content("Buongiorno, confermate la consegna dell'ordine 4471 per domani?")
    executions = len(demo_cloud.executions())
    with smtplib.SMTP("127.0.0.1", demo_cloud.smtp_port, timeout=15) as smtp:
        smtp.send_message(mail)
    demo_cloud.wait_for_routing(more_than=executions)
    number = max(t["number"] for t in demo_cloud.get("/api/tickets?view=all", token)["items"])
    ticket = with_sla(demo_cloud, number, token, "Standard")
    assert ticket["sla"]["policy"]["name"] == "Standard"  # not known as a VIP yet
    # When an agent marks her VIP and raises the priority, the VIP policy applies from the start
    demo_cloud.send("PATCH", f"/api/customers/{ticket['ticket']['requester']['id']}", {"vip": True}, token)
    version = ticket["ticket"]["version"]
    demo_cloud.send("PATCH", f"/api/tickets/{number}", {"version": version, "priority": "high"}, token)
    assert with_sla(demo_cloud, number, token, "VIP express (demo)")["sla"]["policy"]["id"] == "vip-express"
    # and a reply within the two minutes meets the target
    demo_cloud.send("POST", f"/api/tickets/{number}/messages", {"body": "Sì, domani mattina."}, token)
    deadline = time.monotonic() + 20
    while True:
        targets = demo_cloud.get(f"/api/tickets/{number}", token)["sla"]["targets"]
        first = next(t for t in targets if t["target"] == "first_reply")
        if first["state"] == "met" or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert (first["state"], first["left_seconds"]) == ("met", None)
    assert sla_alerts(demo_cloud, number) == []
