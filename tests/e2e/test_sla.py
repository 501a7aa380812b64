"""The SLA in a real browser: an admin writes a policy on the SLA screen (and is told exactly what was wrong
with it); a request that arrives then shows its countdown in the ticket list, the SLA panel on its page,
and is listed in the "SLA at risk" view, in English and in Italian; one left unanswered past its target
turns red, is escalated, and its history says so."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import RunningCloud, screenshot
from .test_admin import ADMIN, AGENT, _sign_in
from .test_customers import _mail, _unassigned
from .test_email_desk import _send

pytestmark = pytest.mark.e2e

POLICY = "Email around the clock"
OVERDUE_SIGN = "\N{MINUS SIGN}"  # an overdue badge reads "<minus sign>15m", a typographic minus, not a hyphen


def _policies(cloud: RunningCloud) -> list[dict[str, Any]]:
    return list(cloud.get("/api/admin/sla", token=cloud.token(ADMIN))["policies"])


def _with_sla(cloud: RunningCloud, subject: str, timeout: float = 15) -> dict[str, Any]:
    """The unassigned ticket with `subject`, once its SLA clocks run (the stream starts them just after)."""
    deadline = time.monotonic() + timeout
    while True:
        found = [t for t in _unassigned(cloud, 1) if t["subject"] == subject]
        if (found and found[0]["sla"]) or time.monotonic() > deadline:
            assert found and found[0]["sla"], f"no SLA on {subject!r} after {timeout} s: {found}"
            return found[0]
        time.sleep(0.2)


def _policy_row(page: Any, name: str) -> Any:
    return page.locator(f'[data-testid="sla-policy-row"][data-name="{name}"]')


def _cell(page: Any, priority: str, target: str) -> Any:
    return page.get_by_test_id(f"sla-cell-{priority}-{target}")


def test_an_admin_writes_an_sla_policy_and_agents_see_its_countdowns(
    local_cloud: RunningCloud, page: Any
) -> None:
    # Given an admin on the SLA screen, where the desk's default policy is listed
    _sign_in(local_cloud, page, ADMIN)
    page.get_by_test_id("nav-admin-sla").click()
    expect(page.get_by_test_id("sla-policy-row")).to_have_count(len(_policies(local_cloud)))
    defaults = [p["name"] for p in _policies(local_cloud)]

    # When they write a policy for email, around the clock, with a first reply due in no time at all
    page.get_by_test_id("sla-new").click()
    page.get_by_test_id("sla-name").fill(POLICY)
    page.get_by_test_id("sla-channels").get_by_label("Email").check()
    _cell(page, "normal", "first_reply").get_by_test_id("sla-minutes").fill("0")
    _cell(page, "normal", "first_reply").get_by_test_id("sla-clock").select_option("calendar")
    _cell(page, "normal", "resolution").get_by_test_id("sla-minutes").fill("600")
    _cell(page, "normal", "resolution").get_by_test_id("sla-clock").select_option("calendar")
    page.get_by_test_id("sla-warning").fill("80")
    page.get_by_test_id("action-add").click()
    escalation = page.get_by_test_id("sla-escalation").get_by_test_id("action-row").nth(0)
    escalation.get_by_test_id("action-kind").select_option("set_priority")
    escalation.get_by_test_id("action-value").select_option("urgent")
    page.get_by_test_id("sla-save").click()

    # Then the server's refusal is shown under the form, and the cell it names is marked
    error = page.get_by_test_id("sla-error")
    expect(error).to_have_attribute(
        "data-path", f"policies[{len(defaults)}].targets.normal.first_reply.minutes"
    )
    expect(error).to_contain_text("must be a whole number of minutes")
    expect(_cell(page, "normal", "first_reply")).to_have_class(re.compile(r"\bhas-problem\b"))
    screenshot(page, "admin-sla-error")
    assert [p["name"] for p in _policies(local_cloud)] == defaults

    # When they fix it, the policy is saved after the default, and moved up it applies first
    _cell(page, "normal", "first_reply").get_by_test_id("sla-minutes").fill("90")
    page.get_by_test_id("sla-save").click()
    expect(page.get_by_test_id("flash")).to_have_text(f"Policy “{POLICY}” saved.")
    expect(page.get_by_test_id("sla-policy-row")).to_have_count(len(defaults) + 1)
    for _ in defaults:
        _policy_row(page, POLICY).get_by_test_id("sla-up").click()
        expect(page.get_by_test_id("flash")).to_have_text("Order saved.")
    expect(page.get_by_test_id("sla-policy-row").first).to_have_attribute("data-name", POLICY)
    [saved, *_] = _policies(local_cloud)
    assert saved["name"] == POLICY
    assert saved["conditions"]["channels"] == ["email"]
    assert saved["targets"] == {
        "normal": {
            "first_reply": {"minutes": 90, "business": False},
            "resolution": {"minutes": 600, "business": False},
        }
    }
    assert (saved["warning_percent"], saved["escalation"]) == (
        80,
        [{"kind": "set_priority", "value": "urgent"}],
    )
    screenshot(page, "admin-sla")

    # And switching the default off keeps it, off, behind the new policy
    _policy_row(page, defaults[0]).get_by_test_id("sla-enabled").click()
    expect(_policy_row(page, defaults[0])).to_have_attribute("data-enabled", "false")
    assert [(p["name"], p["enabled"]) for p in _policies(local_cloud)][:2] == [
        (POLICY, True),
        (defaults[0], False),
    ]

    # When a customer writes in by email
    _send(local_cloud, _mail("Paola <paola@example.org>", "Fattura doppia", "Mi avete addebitato due volte."))
    ticket = _with_sla(local_cloud, "Fattura doppia")
    assert (ticket["priority"], ticket["sla"]["target"]) == ("normal", "first_reply")

    # Then its row in the list counts its first reply down from an hour and a half, in green
    page.get_by_test_id("nav-unassigned").click()
    row = page.locator(f'[data-testid="ticket-row"][data-number="{ticket["number"]}"]')
    badge = row.get_by_test_id("sla-badge")
    expect(badge).to_have_text(re.compile(r"^1h (29|30)m$"))
    expect(badge).to_have_attribute("data-tone", "ok")
    expect(badge).to_have_attribute(
        "title", re.compile(r"^First reply: due .+ · calendar time, around the clock$")
    )
    screenshot(page, "sla-list")

    # And its page shows the same countdown, and the policy's targets in the SLA panel
    row.get_by_role("link").click()
    expect(page.get_by_test_id("ticket-sla")).to_have_text(re.compile(r"^1h (29|30)m$"))
    panel = page.get_by_test_id("sla-panel")
    expect(panel.get_by_test_id("sla-policy")).to_have_text(f"Policy: {POLICY}")
    first_reply = panel.locator('[data-testid="sla-target"][data-target="first_reply"]')
    expect(first_reply).to_have_attribute("data-state", "running")
    expect(first_reply).to_contain_text("First reply")
    expect(first_reply).to_contain_text("Running · Due ")
    resolution = panel.locator('[data-testid="sla-target"][data-target="resolution"]')
    expect(resolution.get_by_test_id("sla-target-left")).to_have_text(re.compile(r"^(9h 59m|10h)$"))
    screenshot(page, "sla-ticket")

    # And the "SLA at risk" view lists it, with its badge
    page.get_by_test_id("nav-sla-at-risk").click()
    at_risk = page.locator(f'[data-testid="ticket-row"][data-number="{ticket["number"]}"]')
    expect(at_risk.get_by_test_id("sla-badge")).to_have_attribute("data-tone", "ok")
    numbers = [t["number"] for t in local_cloud.get("/api/sla/at-risk", token=local_cloud.token())["items"]]
    expect(page.get_by_test_id("ticket-row")).to_have_count(len(numbers))
    assert ticket["number"] in numbers

    # And in Italian the same view and badge speak Italian
    page.get_by_test_id("lang-switch").select_option("it")
    expect(page.get_by_role("heading", name="SLA a rischio")).to_be_visible()
    expect(at_risk.get_by_test_id("sla-badge")).to_have_attribute(
        "title", re.compile(r"^Prima risposta: scadenza .+ · tempo di calendario, 24 ore su 24$")
    )
    screenshot(page, "sla-at-risk-italian")


def _escalated(cloud: RunningCloud, number: int, timeout: float = 120) -> dict[str, Any]:
    """The ticket page's answer once the SLA sweep escalated it (a minute's target, swept every 10 s)."""
    deadline = time.monotonic() + timeout
    while True:
        detail: dict[str, Any] = cloud.get(f"/api/tickets/{number}", token=cloud.token())
        if any(e["kind"] == "sla_escalated" for e in detail["events"]):
            return detail
        assert time.monotonic() < deadline, f"#{number} not escalated after {timeout} s: {detail['sla']}"
        time.sleep(1)


def test_a_first_reply_left_unanswered_turns_red_is_escalated_and_told_in_the_history(
    local_cloud: RunningCloud, page: Any
) -> None:
    # Given a policy that gives email a minute for the first reply, and escalates to urgent
    minute = {"first_reply": {"minutes": 1, "business": False}}
    policy = {
        "name": "Un minuto",
        "conditions": {"channels": ["email"]},
        "targets": {"normal": minute, "urgent": minute},
        "escalation": [{"kind": "set_priority", "value": "urgent"}],
    }
    local_cloud.send("PUT", "/api/admin/sla", {"policies": [policy]}, local_cloud.token(ADMIN))

    # When a customer writes in and nobody answers for a minute
    _send(
        local_cloud, _mail("Bruno <bruno@example.org>", "Reso di un articolo", "Vorrei restituire le scarpe.")
    )
    ticket = _with_sla(local_cloud, "Reso di un articolo")
    detail = _escalated(local_cloud, ticket["number"])
    assert detail["ticket"]["priority"] == "urgent"

    # Then the "SLA at risk" view puts it first, overdue, in red
    _sign_in(local_cloud, page, AGENT)
    page.get_by_test_id("nav-sla-at-risk").click()
    first = page.get_by_test_id("ticket-row").first
    expect(first).to_have_attribute("data-number", str(ticket["number"]))
    expect(first.get_by_test_id("sla-badge")).to_have_attribute("data-tone", "breached")
    expect(first.get_by_test_id("sla-badge")).to_have_text(re.compile(rf"^{OVERDUE_SIGN}\d+m$"))
    screenshot(page, "sla-breached")

    # And its page, in Italian, says the target was breached and what the escalation did, under which policy
    page.get_by_test_id("lang-switch").select_option("it")
    first.get_by_role("link").click()
    expect(page.get_by_test_id("ticket-priority")).to_have_attribute("data-priority", "urgent")
    expect(page.get_by_test_id("ticket-sla")).to_have_attribute("data-tone", "breached")
    page.get_by_test_id("history").locator("summary").click()
    breach = page.locator('[data-testid="history"] li[data-kind="sla_alerted"]').filter(has_text="superata")
    expect(breach).to_contain_text("Avviso SLA")
    expect(breach).to_contain_text(
        re.compile(r"Prima risposta: scadenza superata, era .+ · Politica: Un minuto")
    )
    escalation = page.locator('[data-testid="history"] li[data-kind="sla_escalated"]')
    expect(escalation.locator(".history-actor")).to_have_text("SLA")
    expect(escalation).to_contain_text("Escalation SLA")
    expect(escalation).to_contain_text(
        "Prima risposta: escalation eseguita (Imposta la priorità) · Politica: Un minuto"
    )
    escalation.scroll_into_view_if_needed()
    screenshot(page, "sla-history-italian")
