"""The foundation flow in a real browser: mail in, agent reply out, customer reply threaded back."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from playwright.sync_api import expect

from .conftest import RunningCloud, screenshot, start_cloud

pytestmark = pytest.mark.e2e


def _send(cloud: RunningCloud, mail: EmailMessage) -> None:
    with smtplib.SMTP("127.0.0.1", cloud.smtp_port, timeout=15) as smtp:
        smtp.send_message(mail)


def _customer_mail(subject: str, body: str, **headers: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = "Giulia Bianchi <giulia@example.it>"
    mail["To"] = "support@sportello.local"
    mail["Subject"] = subject
    mail["Message-ID"] = make_msgid(domain="example.it")
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content(body)
    return mail


def test_mail_to_ticket_to_reply_and_back(local_cloud: RunningCloud, page) -> None:
    # Given a customer writing to the desk in Italian over SMTP
    first = _customer_mail(
        "Non riesco ad accedere",
        "Buongiorno, non riesco ad accedere al mio account da ieri sera. Potete aiutarmi?\n\nGiulia",
    )
    routed_before = len(local_cloud.executions())
    _send(local_cloud, first)

    # Then the acknowledgement is in the outbox, in Italian, threaded to her mail
    routed_before = len(local_cloud.wait_for_routing(more_than=routed_before))
    [ack] = local_cloud.wait_for_outbox(1)
    assert ack["subject"].startswith("[#1] Abbiamo ricevuto la tua richiesta")
    assert ack["headers"]["In-Reply-To"] == first["Message-ID"]

    # When an agent signs in and opens the ticket from "Unassigned"
    page.goto(local_cloud.base_url)
    page.get_by_test_id("login-email").fill("agent@sportello.local")
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("nav-unassigned").click()
    row = page.locator('[data-testid="ticket-row"][data-number="1"]')
    expect(row).to_be_visible()
    screenshot(page, "ticket-list")
    row.click()
    expect(page.get_by_test_id("ticket-title")).to_contain_text("Non riesco ad accedere")
    expect(page.get_by_test_id("message")).to_have_count(1)

    # And replies publicly
    page.get_by_test_id("reply-public").click()
    page.get_by_test_id("reply-body").fill(
        "Buongiorno Giulia, le abbiamo inviato un link per reimpostare la password."
    )
    page.get_by_test_id("reply-send").click()
    expect(page.get_by_test_id("message")).to_have_count(2)
    screenshot(page, "ticket-page")

    # Then the reply leaves by mail, threaded, with the ticket number in the subject
    reply = local_cloud.wait_for_outbox(2)[-1]
    assert reply["subject"] == "Re: [#1] Non riesco ad accedere"
    assert reply["headers"]["In-Reply-To"] == first["Message-ID"]
    assert first["Message-ID"] in reply["headers"]["References"]
    assert "link per reimpostare" in reply["text"]

    # When the customer answers from a client that drops the subject tag and keeps only References
    answer = _customer_mail(
        "Re: accesso",
        "Grazie, ora funziona!",
        References=f"{first['Message-ID']} {reply['headers']['Message-ID']}",
    )
    _send(local_cloud, answer)
    local_cloud.wait_for_routing(more_than=routed_before)  # a customer reply is routed too

    # Then the answer is on the same ticket, and the agent sees it
    page.reload()
    expect(page.get_by_test_id("message")).to_have_count(3)
    expect(page.get_by_test_id("message").last).to_contain_text("ora funziona")

    # And the agent can set the ticket to solved
    page.get_by_test_id("status-select").select_option("solved")
    page.get_by_test_id("update-ticket").click()
    expect(page.get_by_test_id("ticket-status")).to_have_attribute("data-status", "solved")
    assert len(local_cloud.outbox()) == 2, "the customer's thank-you is not acknowledged again"


def test_italian_interface(local_cloud: RunningCloud, page) -> None:
    # Given a customer's mail, routed (acknowledged, tagged)
    routed_before = len(local_cloud.executions())
    _send(local_cloud, _customer_mail("Fattura di novembre", "Buongiorno, non trovo la fattura di novembre."))
    local_cloud.wait_for_routing(more_than=routed_before)

    # When an admin works in Italian
    page.goto(local_cloud.base_url)
    page.get_by_test_id("lang-switch").select_option("it")
    page.get_by_test_id("login-email").fill("admin@sportello.local")
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("nav-unassigned")).to_contain_text("Non assegnati")
    page.get_by_test_id("ticket-row").filter(has_text="Fattura di novembre").click()

    # Then the ticket page, its properties and its history speak Italian
    history = page.get_by_test_id("history")
    history.locator("summary").click()
    expect(history).to_contain_text("Ticket creato")
    expect(history).to_contain_text("Conferma di ricezione inviata")
    expect(page.get_by_test_id("properties")).to_contain_text("Priorità")
    screenshot(page, "workspace-italian")


def test_state_survives_a_restart(tmp_path) -> None:
    cloud = start_cloud(tmp_path / "home")
    try:
        _send(cloud, _customer_mail("Persistente", "Questo ticket deve sopravvivere al riavvio."))
        cloud.wait_for_outbox(1)
    finally:
        cloud.stop()

    restarted = start_cloud(tmp_path / "home")
    try:
        ticket = restarted.get("/api/tickets/1", token=restarted.token())["ticket"]
        assert ticket["subject"] == "Persistente"
        assert len(restarted.outbox()) == 1
    finally:
        restarted.stop()


def test_quarantine_lists_what_could_not_become_a_ticket(local_cloud: RunningCloud, page) -> None:
    vacation = _customer_mail("Out of office", "I am away until Monday.", Auto_Submitted="auto-replied")
    _send(local_cloud, vacation)

    page.goto(local_cloud.base_url)
    page.get_by_test_id("login-email").fill("agent@sportello.local")
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("nav-quarantine").click()

    row = page.get_by_test_id("quarantine-row").filter(has_text="Out of office")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("automatic")
