"""The desk's own web channels in a real browser: the embeddable chat widget and the contact form."""

from __future__ import annotations

import re
import urllib.request

import pytest
from playwright.sync_api import expect

from .conftest import RunningCloud, screenshot

pytestmark = pytest.mark.e2e


def test_widget_script_is_plain_ascii(local_cloud: RunningCloud) -> None:
    # A host page may declare any charset, and the script is decoded in it.
    with urllib.request.urlopen(f"{local_cloud.base_url}/widget.js", timeout=10) as response:
        script = response.read()
    assert script.isascii()
    assert b"chat-launcher" in script


def test_chat_widget_to_agent_and_back(local_cloud: RunningCloud, page, browser) -> None:
    # Given a visitor on a shop that embeds the widget with one script tag
    page.goto(f"{local_cloud.base_url}/widget-demo.html")
    launcher = page.get_by_test_id("chat-launcher")
    expect(launcher).to_have_attribute("aria-label", "Open chat")
    expect(page.get_by_test_id("chat-panel")).to_be_hidden()

    # When they open it and send a message with their name
    launcher.click()
    expect(page.get_by_test_id("chat-panel")).to_be_visible()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    page.get_by_test_id("chat-name").fill("Zoe Rossi")
    page.get_by_test_id("chat-input").fill("Hello, my order #1042 has not arrived yet.")
    page.get_by_test_id("chat-send").click()

    # Then their message is in the conversation, and the name field is gone
    visitor = page.locator('[data-testid="chat-message"][data-from="visitor"]')
    expect(visitor).to_have_count(1)
    expect(visitor).to_contain_text("my order #1042")
    expect(page.get_by_test_id("chat-name")).to_be_hidden()

    # When an agent signs in (in another browser session) and finds the chat ticket
    agent_context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    try:
        agent = agent_context.new_page()
        agent.set_default_timeout(10_000)
        agent.goto(local_cloud.base_url)
        agent.get_by_test_id("login-email").fill("agent@sportello.local")
        agent.get_by_test_id("login-submit").click()
        agent.get_by_test_id("nav-unassigned").click()
        row = agent.get_by_test_id("ticket-row").filter(has_text="my order #1042")
        expect(row).to_be_visible()
        expect(row).to_contain_text("Chat")
        number = int(row.get_attribute("data-number") or "0")
        row.click()
        expect(agent.get_by_test_id("ticket-title")).to_contain_text("my order #1042")
        expect(agent.get_by_test_id("message")).to_have_count(1)
        expect(agent.get_by_test_id("message")).to_contain_text("Zoe Rossi")

        # And replies publicly
        agent.get_by_test_id("reply-public").click()
        agent.get_by_test_id("reply-body").fill("Hi Zoe, it left our warehouse this morning.")
        agent.get_by_test_id("reply-send").click()
        expect(agent.get_by_test_id("message")).to_have_count(2)
    finally:
        agent_context.close()

    ticket = local_cloud.get(f"/api/tickets/{number}", token=local_cloud.token())["ticket"]
    assert ticket["channel"] == "chat"
    assert ticket["requester"]["name"] == "Zoe Rossi"

    # Then the reply shows up in the open widget within the polling interval (3 s)
    reply = page.locator('[data-testid="chat-message"][data-from="agent"]')
    expect(reply).to_have_count(1, timeout=10_000)
    expect(reply).to_contain_text("it left our warehouse this morning")
    screenshot(page, "chat-widget")

    # And Escape closes the panel, giving the focus back to the launcher
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("chat-panel")).to_be_hidden()
    expect(launcher).to_be_focused()

    # And a reload keeps the conversation (the session is in localStorage)
    page.reload()
    page.get_by_test_id("chat-launcher").click()
    expect(page.get_by_test_id("chat-message")).to_have_count(2)


def test_contact_form_opens_a_web_ticket_with_the_attachment(local_cloud: RunningCloud, page) -> None:
    # Given the public contact form, whose honeypot field people never reach
    page.goto(f"{local_cloud.base_url}/form.html")
    expect(page.get_by_test_id("form-submit")).to_have_text("Send")
    honeypot = page.locator('input[name="website"]')
    expect(honeypot).to_have_attribute("tabindex", "-1")
    expect(honeypot).not_to_be_in_viewport()

    # When a customer fills it in, with an attachment, and sends it
    page.get_by_test_id("form-name").fill("Anna Verdi")
    page.get_by_test_id("form-email").fill("anna@example.it")
    page.get_by_test_id("form-subject").fill("Invoice correction")
    page.get_by_test_id("form-message").fill("Hello, the VAT number on my last invoice is wrong. Thank you.")
    page.get_by_test_id("form-files").set_input_files(
        [{"name": "invoice.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 invoice 2026-031"}]
    )
    page.get_by_test_id("form-submit").click()

    # Then the page thanks them and tells them the ticket number
    result = page.get_by_test_id("form-result")
    expect(result).to_contain_text("Thank you")
    expect(result).to_contain_text(re.compile(r"ticket number is #\d+"))
    screenshot(page, "web-form")
    match = re.search(r"#(\d+)", result.inner_text())
    assert match is not None
    number = int(match.group(1))

    # And the agent API shows a web ticket with the attachment
    detail = local_cloud.get(f"/api/tickets/{number}", token=local_cloud.token())
    assert detail["ticket"]["channel"] == "web"
    assert detail["ticket"]["subject"] == "Invoice correction"
    assert detail["ticket"]["requester"]["email"] == "anna@example.it"
    [attachment] = detail["messages"][0]["attachments"]
    assert attachment["filename"] == "invoice.pdf"
    assert attachment["size"] == len(b"%PDF-1.4 invoice 2026-031")


def test_contact_form_checks_attachments_and_speaks_italian(local_cloud: RunningCloud, page) -> None:
    page.goto(f"{local_cloud.base_url}/form.html")
    page.get_by_test_id("form-lang").select_option("it")
    expect(page.get_by_test_id("form-submit")).to_have_text("Invia")

    page.get_by_test_id("form-email").fill("anna@example.it")
    page.get_by_test_id("form-message").fill("Allego i documenti richiesti.")
    page.get_by_test_id("form-files").set_input_files(
        [
            {"name": "a.bin", "mimeType": "application/octet-stream", "buffer": b"x" * (6 * 1024 * 1024)},
            {"name": "b.bin", "mimeType": "application/octet-stream", "buffer": b"x" * (5 * 1024 * 1024)},
        ]
    )
    page.get_by_test_id("form-submit").click()

    # Too large in total: refused before anything is sent
    expect(page.get_by_test_id("form-result")).to_contain_text("il limite è 10 MB")
    expect(page.get_by_test_id("form-files")).to_be_focused()
    expect(page.get_by_test_id("form-submit")).to_be_visible()
