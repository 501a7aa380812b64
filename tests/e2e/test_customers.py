"""Customer housekeeping in a real browser: link a phone number, merge a duplicate customer."""

from __future__ import annotations

import time
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import RunningCloud, screenshot
from .test_email_desk import _send

pytestmark = pytest.mark.e2e

FIRST = "mario@example.org"
SECOND = "mario.rossi@work.example"


def _mail(sender: str, subject: str, body: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = "support@sportello.local"
    mail["Subject"] = subject
    mail["Message-ID"] = make_msgid(domain="example.org")
    mail.set_content(body)
    return mail


def _unassigned(cloud: RunningCloud, count: int, timeout: float = 15) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        items: list[dict[str, Any]] = cloud.get("/api/tickets?view=unassigned", token=cloud.token())["items"]
        if len(items) >= count or time.monotonic() > deadline:
            return items
        time.sleep(0.2)


def test_link_a_phone_and_merge_a_duplicate(local_cloud: RunningCloud, page) -> None:
    # Given the same person writing from two addresses, so the desk knows two customers
    _send(local_cloud, _mail(f"Mario <{FIRST}>", "Ordine non arrivato", "Il mio ordine 1234 non è arrivato."))
    _send(local_cloud, _mail(f"Mario Rossi <{SECOND}>", "Fattura", "Mi serve la fattura dell'ordine 1234."))
    tickets = _unassigned(local_cloud, 2)
    by_email = {t["requester"]["email"]: t for t in tickets}
    assert set(by_email) == {FIRST, SECOND}
    first, second = by_email[FIRST], by_email[SECOND]
    assert first["requester"]["id"] != second["requester"]["id"]

    # When an agent opens the first customer's ticket
    page.goto(local_cloud.base_url)
    page.get_by_test_id("login-email").fill("agent@sportello.local")
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("nav-unassigned").click()
    page.locator(f'[data-testid="ticket-row"][data-number="{first["number"]}"]').click()
    expect(page.get_by_test_id("ticket-title")).to_contain_text("Ordine non arrivato")
    requester = page.get_by_test_id("requester")
    expect(requester).to_contain_text(FIRST)
    expect(requester).not_to_contain_text(SECOND)

    # And links a phone number typed the way people write it
    page.get_by_test_id("identity-open").click()
    page.get_by_test_id("identity-kind").select_option("phone")
    page.get_by_test_id("identity-value").fill("+39 333 123 4567")
    page.get_by_test_id("identity-add").click()

    # Then the panel lists it in international form
    expect(requester.locator(".identities")).to_contain_text("+393331234567")
    expect(page.get_by_test_id("flash")).to_have_text("Contact added.")

    # When the agent tries to link the other address, which another customer owns
    page.get_by_test_id("identity-open").click()
    page.get_by_test_id("identity-kind").select_option("email")
    page.get_by_test_id("identity-value").fill(SECOND)
    page.get_by_test_id("identity-add").click()

    # Then they are told to merge instead
    expect(page.get_by_test_id("identity-error")).to_contain_text("merge")
    page.get_by_test_id("identity-open").click()

    # When they look the other customer up and merge them into this one
    page.get_by_test_id("merge-open").click()
    page.get_by_test_id("merge-kind").select_option("email")
    page.get_by_test_id("merge-value").fill(SECOND)
    page.get_by_test_id("merge-find").click()
    found = page.get_by_test_id("merge-found")
    expect(found).to_contain_text("Mario Rossi")
    expect(found).to_contain_text(SECOND)
    expect(found).to_contain_text("Tickets: 1")
    confirm = page.get_by_test_id("merge-confirm")
    expect(confirm).to_have_text("Merge into Mario")
    confirm.click()

    # Then the requester panel lists both addresses, the phone and the other ticket
    expect(page.get_by_test_id("flash")).to_have_text("Mario Rossi was merged into Mario.")
    identities = requester.locator(".identities")
    expect(identities).to_contain_text(FIRST)
    expect(identities).to_contain_text(SECOND)
    expect(identities).to_contain_text("+393331234567")
    other = requester.locator(".other-tickets a")
    expect(other).to_have_count(1)
    expect(other).to_contain_text(f"#{second['number']} Fattura")
    expect(page.get_by_test_id("merge-confirm")).to_have_count(0)
    screenshot(page, "customer-merge")

    # And the API agrees: one customer with both tickets
    token = local_cloud.token()
    customer = local_cloud.get(f"/api/customers/{first['requester']['id']}", token=token)
    assert sorted(t["number"] for t in customer["tickets"]) == sorted([first["number"], second["number"]])
    moved = local_cloud.get(f"/api/tickets/{second['number']}", token=token)
    assert moved["ticket"]["requester"]["id"] == first["requester"]["id"]
