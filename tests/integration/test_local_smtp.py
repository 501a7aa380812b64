"""The local SMTP listener and mailroom, standing in for SES receiving: a mail accepted is accounted for."""

from __future__ import annotations

import smtplib
import socket
import threading
from collections.abc import Iterator
from email.message import EmailMessage

import pytest

from infra.local.mailroom import Mailroom
from infra.local.smtp import start_smtp
from sportello.app import sportello
from sportello.config import settings
from sportello.tickets.ports import TicketQuery

from .mail import compose


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp(cloud) -> Iterator[smtplib.SMTP]:
    port = _free_port()
    controller = start_smtp(Mailroom(threading.RLock()), "127.0.0.1", port)
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
            client.ehlo()
            yield client
    finally:
        controller.stop()


def _send(client: smtplib.SMTP, raw: bytes) -> tuple[int, bytes]:
    client.mail("mario@example.org")
    client.rcpt(settings().support_address)
    return client.data(raw)  # smtplib raises for any answer but 250


def test_a_mail_with_lines_over_a_thousand_characters_is_accepted_as_ses_accepts_it(smtp):
    mail: EmailMessage = compose(body="A long line, as some clients write: " + "x" * 5000)
    raw = bytes(mail).replace(b"Content-Transfer-Encoding: 7bit", b"Content-Transfer-Encoding: 8bit")

    code, _ = _send(smtp, raw)

    assert code == 250
    [ticket] = sportello().tickets.find(TicketQuery()).items
    assert "x" * 5000 in sportello().tickets.history(ticket.number).messages[0].full_text


def test_local_mail_counts_as_from_an_authenticating_mta_so_replies_thread(smtp, cloud):
    _send(smtp, bytes(compose()))
    cloud.desk.settle()  # the acknowledgement is the routing workflow's
    [ack] = cloud.sent_mails()

    _send(smtp, bytes(compose(subject="Re: Cannot log in", references=ack["Message-ID"])))

    assert len(sportello().tickets.history(1).messages) == 2


def test_a_mail_too_deeply_nested_to_parse_is_accepted_and_quarantined_never_lost(smtp):
    body = "Content-Type: text/plain\r\n\r\nthe words at the bottom\r\n"
    for level in range(3000):
        body = (
            f'Content-Type: multipart/mixed; boundary="b{level}"\r\n\r\n--b{level}\r\n{body}--b{level}--\r\n'
        )
    raw = f"From: mario@example.org\r\nTo: {settings().support_address}\r\nSubject: deep\r\n{body}".encode()

    code, _ = _send(smtp, raw)

    assert code == 250
    [record] = sportello().quarantine.recent().items
    assert "not read" in record.reason or "header fields" in record.reason
