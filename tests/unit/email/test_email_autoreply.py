"""Automatic mail (out-of-office replies, lists, reports) is flagged; mail written by a person is not."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from email_corpus import corpus_files, corpus_id

from sportello.email import parse_email
from sportello.email.autoreply import auto_submitted_reason

HUMAN_MAIL = [
    *corpus_files("mailgun_talon/*.eml"),
    *corpus_files("sisimai_set-of-emails/not_bounce/is-not-bounce-*.eml"),
]
AUTOMATIC_MAIL = [
    *corpus_files("sisimai_set-of-emails/bsd_LF/rfc3834-*.eml"),
    *corpus_files("sisimai_set-of-emails/not_bounce/rb-issue-368-bug.eml"),
    *corpus_files("mimekit/messages_disposition-notification.txt"),
]


def message(headers: str, body: str = "Hello") -> EmailMessage:
    raw = f"From: Mario Rossi <mario@example.com>\nTo: help@example.com\n{headers}\n\n{body}\n".encode()
    parsed = message_from_bytes(raw, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


@pytest.mark.parametrize("path", AUTOMATIC_MAIL, ids=corpus_id)
def test_vacation_replies_and_reports_are_flagged(path: Path) -> None:
    assert parse_email(path.read_bytes()).auto_submitted


@pytest.mark.parametrize("path", HUMAN_MAIL, ids=corpus_id)
def test_replies_written_by_people_are_not_flagged(path: Path) -> None:
    assert parse_email(path.read_bytes()).auto_submitted is None


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ("Auto-Submitted: auto-replied", "auto-submitted: auto-replied"),
        ("Auto-Submitted: Auto-Generated; owner-email=x@example.com", "auto-submitted: auto-generated"),
        ("Precedence: bulk", "precedence: bulk"),
        ("Precedence: junk", "precedence: junk"),
        ("Precedence: list", "precedence: list"),
        ("Precedence: auto_reply", "precedence: auto_reply"),
        ("X-Autoreply: yes", "x-autoreply"),
        ("X-Autorespond: Out of office", "x-autorespond"),
        ("X-Auto-Response-Suppress: All", "x-auto-response-suppress: all"),
        ("X-Auto-Response-Suppress: DR, OOF, AutoReply", "x-auto-response-suppress: autoreply, oof"),
        ("List-Id: Customers <customers.lists.example.com>", "mailing list: list-id"),
        ("List-Unsubscribe: <mailto:leave@example.com>", "mailing list: list-unsubscribe"),
        ("Return-Path: <>", "null sender"),
        ("Feedback-ID: 1.eu-west-1.abc:AmazonSES", "bulk sender: feedback-id"),
        ("Subject: Out of Office: your request", "subject: automatic reply"),
        ("Subject: Automatic reply: Ticket 12", "subject: automatic reply"),
        ("Subject: Risposta automatica: richiesta", "subject: automatic reply"),
        ("Subject: Fuori sede fino al 3 gennaio", "subject: automatic reply"),
        ("Subject: Abwesenheitsnotiz: Ihre Anfrage", "subject: automatic reply"),
        ("Subject: Réponse automatique : demande", "subject: automatic reply"),
        ("Subject: Re: Autoreply", "subject: automatic reply"),
    ],
)
def test_each_sign_of_automatic_mail_gives_its_reason(headers: str, reason: str) -> None:
    assert auto_submitted_reason(message(headers)) == reason


@pytest.mark.parametrize(
    "headers",
    [
        "Auto-Submitted: no",
        "Precedence: normal",
        "X-Auto-Response-Suppress: DR, RN, NRN",
        "Return-Path: <mario@example.com>",
        "Subject: My office is out of paper, can you send more?",
        "Subject: Re: [#12] Out of stock item",
    ],
)
def test_ordinary_headers_do_not_flag_a_mail(headers: str) -> None:
    assert auto_submitted_reason(message(headers)) is None


def test_the_explicit_header_wins_over_the_subject() -> None:
    flagged = message("Subject: Automatic reply: hello\nAuto-Submitted: auto-replied")

    assert auto_submitted_reason(flagged) == "auto-submitted: auto-replied"
