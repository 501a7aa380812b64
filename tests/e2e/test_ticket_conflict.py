"""Two agents editing one ticket in a real browser: the second save is refused, said so, and reloaded."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import RunningCloud, screenshot
from .test_customers import _mail, _unassigned
from .test_email_desk import _send

pytestmark = pytest.mark.e2e

CONFLICT_NOTICE = "This ticket was changed by someone else; reloaded."


def _open_ticket(cloud: RunningCloud, page: Any, agent: str, number: int) -> None:
    page.goto(cloud.base_url)
    page.get_by_test_id("login-email").fill(agent)
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("nav-unassigned").click()
    page.locator(f'[data-testid="ticket-row"][data-number="{number}"]').click()
    expect(page.get_by_test_id("ticket-title")).to_contain_text("Rimborso")


def test_the_second_of_two_concurrent_edits_shows_the_conflict_notice_and_reloads(
    local_cloud: RunningCloud, page: Any, browser: Any
) -> None:
    # Given a ticket that two agents open at the same time, each in their own browser
    _send(local_cloud, _mail("Lucia <lucia@example.org>", "Rimborso", "Vorrei il rimborso dell'ordine 77."))
    [ticket] = [t for t in _unassigned(local_cloud, 1) if t["subject"] == "Rimborso"]
    local_cloud.wait_for_routing()  # routing's own changes are in before either agent loads the ticket
    other_context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    other = other_context.new_page()
    other.set_default_timeout(10_000)
    try:
        _open_ticket(local_cloud, page, "agent@sportello.local", ticket["number"])
        _open_ticket(local_cloud, other, "admin@sportello.local", ticket["number"])

        # When the first saves a change, and the second then saves theirs on the version they loaded
        # (routing made the refund request high already: the first agent makes it urgent)
        page.get_by_test_id("priority-select").select_option("urgent")
        page.get_by_test_id("update-ticket").click()
        expect(page.get_by_test_id("flash")).to_be_visible()
        other.get_by_test_id("status-select").select_option("pending")
        other.get_by_test_id("update-ticket").click()

        # Then the second is told the ticket changed under them, and sees it as it now is, unchanged by them
        notice = other.get_by_test_id("notice")
        expect(notice).to_have_text(CONFLICT_NOTICE)
        expect(notice).to_have_attribute("data-kind", "warning")
        expect(other.get_by_test_id("priority-select")).to_have_value("urgent")
        expect(other.get_by_test_id("status-select")).to_have_value("new")
        screenshot(other, "ticket-conflict")
        saved = local_cloud.get(f"/api/tickets/{ticket['number']}", token=local_cloud.token())["ticket"]
        assert (saved["priority"], saved["status"]) == ("urgent", "new")
    finally:
        other_context.close()
