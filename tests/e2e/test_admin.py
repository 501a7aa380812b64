"""The admin screens in a real browser: an admin writes a trigger (and is told exactly what was wrong with
it), reorders and switches it off; an agent never sees the admin section; the status switch stays put."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import RunningCloud, screenshot
from .test_customers import _mail, _unassigned
from .test_email_desk import _send

pytestmark = pytest.mark.e2e

ADMIN = "admin@sportello.local"
AGENT = "agent@sportello.local"


def _sign_in(cloud: RunningCloud, page: Any, email: str) -> None:
    page.goto(cloud.base_url)
    page.get_by_test_id("login-email").fill(email)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("current-agent")).to_be_visible()


def _triggers(cloud: RunningCloud) -> list[dict[str, Any]]:
    return list(cloud.get("/api/admin/rules/trigger", token=cloud.token(ADMIN))["items"])


def _row(page: Any, name: str) -> Any:
    return page.locator(f'[data-testid="rule-row"][data-name="{name}"]')


def test_an_admin_writes_fixes_reorders_and_switches_off_a_trigger(
    local_cloud: RunningCloud, page: Any
) -> None:
    # Given an admin on the triggers screen, where the built-in acknowledgement comes first
    _sign_in(local_cloud, page, ADMIN)
    page.get_by_test_id("nav-admin-triggers").click()
    ack = _row(page, "Acknowledge new requests")
    expect(ack.get_by_test_id("rule-builtin")).to_be_visible()
    expect(ack.get_by_test_id("rule-delete")).to_have_count(0)

    # When they write a trigger: a condition on the subject, a priority, a reply with a misspelt placeholder
    page.get_by_test_id("rule-new").click()
    page.get_by_test_id("rule-name").fill("Outages are urgent")
    page.get_by_test_id("rule-event-customer_reply").uncheck()
    page.get_by_test_id("condition-add-all").click()
    condition = page.get_by_test_id("conditions-all").get_by_test_id("condition-row").nth(0)
    condition.get_by_test_id("condition-field").select_option("ticket.subject")
    condition.get_by_test_id("condition-op").select_option("contains_any_word")
    condition.get_by_test_id("condition-value").fill("outage, down")
    page.get_by_test_id("action-add").click()
    first = page.get_by_test_id("action-row").nth(0)
    first.get_by_test_id("action-kind").select_option("set_priority")
    first.get_by_test_id("action-value").select_option("urgent")
    page.get_by_test_id("action-add").click()
    reply = page.get_by_test_id("action-row").nth(1)
    reply.get_by_test_id("action-kind").select_option("reply")
    reply.get_by_test_id("action-template-en").fill("Hello {customer.nick}, we are on it (#{ticket.number}).")
    page.get_by_test_id("rule-save").click()

    # Then the server's refusal is shown next to the form, naming the place and the reason
    error = page.get_by_test_id("rule-error")
    expect(error).to_have_attribute("data-path", "actions[1].templates.en")
    expect(error).to_contain_text("unknown placeholder {customer.nick}")
    expect(reply).to_have_class("rule-action has-problem")
    screenshot(page, "admin-rule-error")
    assert [r["name"] for r in _triggers(local_cloud)] == ["Acknowledge new requests"]

    # When they fix it, the trigger is saved after the acknowledgement
    reply.get_by_test_id("action-template-en").fill("Hello {customer.name}, we are on it (#{ticket.number}).")
    page.get_by_test_id("rule-save").click()
    expect(page.get_by_test_id("flash")).to_have_text("Rule “Outages are urgent” saved.")
    expect(page.get_by_test_id("rule-row")).to_have_count(2)
    [_, saved] = _triggers(local_cloud)
    assert saved["name"] == "Outages are urgent"
    assert saved["events"] == ["created"]
    assert saved["conditions"]["all"] == [
        {"field": "ticket.subject", "op": "contains_any_word", "value": ["outage", "down"]}
    ]
    assert saved["actions"][0] == {"kind": "set_priority", "value": "urgent"}

    # When they move it up, it runs first
    _row(page, "Outages are urgent").get_by_test_id("rule-up").click()
    expect(page.get_by_test_id("flash")).to_have_text("Order saved.")
    expect(page.get_by_test_id("rule-row").first).to_have_attribute("data-name", "Outages are urgent")
    assert [r["name"] for r in _triggers(local_cloud)] == ["Outages are urgent", "Acknowledge new requests"]

    # When they switch it off, it stays, off
    _row(page, "Outages are urgent").get_by_test_id("rule-enabled").click()
    expect(_row(page, "Outages are urgent")).to_have_attribute("data-enabled", "false")
    assert [r["enabled"] for r in _triggers(local_cloud)] == [False, True]
    screenshot(page, "admin-rules")

    # And editing it again shows what was saved
    _row(page, "Outages are urgent").get_by_test_id("rule-edit").click()
    expect(page.get_by_test_id("rule-name")).to_have_value("Outages are urgent")
    expect(page.get_by_test_id("condition-value").first).to_have_value("outage, down")
    page.get_by_test_id("rule-cancel").click()
    expect(page.get_by_test_id("rule-editor")).to_have_count(0)

    # And deleting it, once confirmed, leaves the built-in alone
    page.once("dialog", lambda dialog: dialog.accept())
    _row(page, "Outages are urgent").get_by_test_id("rule-delete").click()
    expect(page.get_by_test_id("flash")).to_have_text("Rule deleted.")
    expect(page.get_by_test_id("rule-row")).to_have_count(1)
    assert [r["name"] for r in _triggers(local_cloud)] == ["Acknowledge new requests"]


def test_an_admin_sets_a_groups_strategy_and_members(local_cloud: RunningCloud, page: Any) -> None:
    _sign_in(local_cloud, page, ADMIN)
    page.get_by_test_id("nav-admin-groups").click()
    group = page.locator('[data-testid="group-form"][data-id="support"]')
    group.get_by_test_id("group-strategy").select_option("round_robin")
    group.get_by_test_id("group-members").get_by_label("Andrea Agent").check()
    group.get_by_test_id("group-description").fill("First line: every request starts here")
    group.get_by_test_id("group-save").click()

    expect(page.get_by_test_id("flash")).to_contain_text("saved")
    groups = local_cloud.get("/api/admin/groups", token=local_cloud.token(ADMIN))["items"]
    [support] = [g for g in groups if g["id"] == "support"]
    assert support["strategy"] == "round_robin"
    assert len(support["members"]) == 1
    screenshot(page, "admin-groups")

    page.get_by_test_id("nav-admin-settings").click()
    expect(page.get_by_test_id("calendar-mon")).to_have_value("09:00-13:00, 14:00-18:00")
    page.get_by_test_id("calendar-sat").fill("10:00-12:00")
    page.get_by_test_id("calendar-save").click()
    expect(page.get_by_test_id("flash")).to_have_text("Business hours saved.")
    expect(page.get_by_test_id("calendar-holiday-country")).to_have_value("IT")
    holidays = page.get_by_test_id("calendar-holiday")
    expect(holidays.filter(has_text="Christmas Day")).to_have_count(1)
    expect(holidays.filter(has_text="Saints Peter and Paul")).to_have_count(0)
    page.get_by_test_id("calendar-holiday-region").fill("RM")
    page.get_by_test_id("calendar-save").click()
    # Rome's patron saints (29 June) are a holiday of the province of Rome only.
    expect(holidays.filter(has_text="Saints Peter and Paul")).to_have_count(1)
    assert local_cloud.get("/api/admin/calendar", token=local_cloud.token(ADMIN))["holidays"] == {
        "country": "IT",
        "region": "RM",
    }
    page.get_by_test_id("calendar-sun").fill("18:00-09:00")
    page.get_by_test_id("calendar-save").click()
    expect(page.get_by_test_id("calendar-error")).to_have_attribute("data-path", "hours.sun[0]")
    screenshot(page, "admin-settings")
    # The holidays are named in the reader's language.
    page.get_by_test_id("lang-switch").select_option("it")
    expect(holidays.filter(has_text="Santi Pietro e Paolo")).to_have_count(1)
    page.get_by_test_id("lang-switch").select_option("en")

    page.get_by_test_id("nav-admin-agents").click()
    expect(page.get_by_test_id("agent-row")).to_have_count(2)
    expect(page.get_by_test_id("agent-capacity").first).to_have_value("10")
    andrea = page.locator('[data-testid="agent-row"]').filter(has_text="Andrea")
    andrea.get_by_test_id("agent-capacity").fill("4")
    andrea.get_by_test_id("agent-languages").fill("it, en")
    andrea.get_by_test_id("agent-skills").fill("billing")
    andrea.get_by_test_id("agent-save").click()
    expect(page.get_by_test_id("flash")).to_be_visible()
    me = local_cloud.get("/api/me", token=local_cloud.token(AGENT))
    assert (me["capacity"], sorted(me["languages"]), me["skills"]) == (4, ["en", "it"], ["billing"])
    screenshot(page, "admin-agents")


def test_the_automation_editor_in_italian(local_cloud: RunningCloud, page: Any) -> None:
    _sign_in(local_cloud, page, ADMIN)
    page.get_by_test_id("lang-switch").select_option("it")
    page.get_by_test_id("nav-admin-automations").click()
    expect(page.get_by_role("heading", name="Automazioni")).to_be_visible()
    page.get_by_test_id("rule-new").click()
    page.get_by_test_id("rule-name").fill("Solleciti dopo due giorni")
    time = page.get_by_test_id("conditions-all").get_by_test_id("condition-row").nth(0)
    expect(time.get_by_test_id("condition-field")).to_have_value("ticket.hours_since_update")
    time.get_by_test_id("condition-op").select_option("gte")
    time.get_by_test_id("condition-value").fill("48")
    page.get_by_test_id("condition-add-all").click()
    status = page.get_by_test_id("conditions-all").get_by_test_id("condition-row").nth(1)
    status.get_by_test_id("condition-field").select_option("ticket.status")
    status.get_by_test_id("condition-op").select_option("in")
    status.get_by_test_id("condition-value").get_by_label("In attesa").check()
    page.get_by_test_id("action-add").click()
    action = page.get_by_test_id("action-row").nth(0)
    expect(action.get_by_test_id("action-kind").locator("option")).not_to_contain_text(
        ["Invia la conferma di ricezione"]
    )
    action.get_by_test_id("action-kind").select_option("reply")
    action.get_by_test_id("action-template-it").fill(
        "Ciao {customer.name}, ci sono novità sul ticket #{ticket.number}?"
    )
    action.get_by_test_id("action-template-en").fill("Hi {customer.name}, any news on #{ticket.number}?")
    screenshot(page, "admin-automation-italian")
    page.get_by_test_id("rule-save").click()

    expect(page.get_by_test_id("flash")).to_have_text("Regola «Solleciti dopo due giorni» salvata.")
    listed = local_cloud.get("/api/admin/rules/automation", token=local_cloud.token(ADMIN))["items"]
    [saved] = [rule for rule in listed if not rule["builtin"]]
    assert saved["conditions"]["all"] == [
        {"field": "ticket.hours_since_update", "op": "gte", "value": 48},
        {"field": "ticket.status", "op": "in", "value": ["pending"]},
    ]


def test_an_agent_does_not_see_the_admin_section(local_cloud: RunningCloud, page: Any) -> None:
    _sign_in(local_cloud, page, AGENT)
    expect(page.get_by_test_id("nav-unassigned")).to_be_visible()
    expect(page.get_by_test_id("nav-admin")).to_have_count(0)
    expect(page.get_by_test_id("nav-admin-triggers")).to_have_count(0)

    page.goto(f"{local_cloud.base_url}/#/admin/triggers")
    expect(page.get_by_test_id("notice")).to_have_text("You are not allowed to do this.")
    expect(page.get_by_test_id("admin-rules")).to_have_count(0)


def test_an_agent_marks_the_requester_vip_and_sees_the_priority(local_cloud: RunningCloud, page: Any) -> None:
    _send(
        local_cloud, _mail("Elena <elena@example.org>", "Contratto aziendale", "Serve aiuto col contratto.")
    )
    [ticket] = [t for t in _unassigned(local_cloud, 1) if t["subject"] == "Contratto aziendale"]
    _sign_in(local_cloud, page, AGENT)
    page.goto(f"{local_cloud.base_url}/#/tickets/{ticket['number']}")
    expect(page.get_by_test_id("ticket-priority")).to_have_attribute("data-priority", ticket["priority"])
    expect(page.get_by_test_id("requester-vip")).to_have_count(0)

    page.get_by_test_id("traits-open").click()
    page.get_by_test_id("traits-vip").check()
    page.get_by_test_id("traits-organisation").fill("ACME S.p.A.")
    page.get_by_test_id("traits-save").click()

    expect(page.get_by_test_id("flash")).to_have_text("Customer updated.")
    expect(page.get_by_test_id("requester-vip")).to_be_visible()
    expect(page.get_by_test_id("requester")).to_contain_text("ACME S.p.A.")
    requester = local_cloud.get(f"/api/tickets/{ticket['number']}", token=local_cloud.token())["requester"]
    assert (requester["vip"], requester["organisation"]) == (True, "ACME S.p.A.")


def test_the_status_switch_changes_and_persists_after_a_reload(local_cloud: RunningCloud, page: Any) -> None:
    _sign_in(local_cloud, page, AGENT)
    switch = page.get_by_test_id("status-switch")
    expect(switch).to_have_value("offline")

    switch.select_option("online")
    expect(switch).to_be_enabled()
    expect(page.get_by_test_id("status-error")).to_have_count(0)
    page.reload()

    expect(page.get_by_test_id("status-switch")).to_have_value("online")
    assert local_cloud.get("/api/me", token=local_cloud.token(AGENT))["status"] == "online"
