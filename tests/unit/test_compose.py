"""Outbound mail headers and subject handling."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sportello.email.compose import (
    MAX_REFERENCES,
    MailHeaders,
    build_mail,
    strip_reply_prefixes,
    tagged_subject,
    ticket_number_in_subject,
)


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Re: R: Fwd: [#4] Help", "[#4] Help"),
        ("RE: AW: Rechnung", "Rechnung"),
        ("Rif: I: ordine", "ordine"),
        ("Return policy", "Return policy"),
        ("Re[2]: hello", "hello"),
    ],
)
def test_strip_reply_prefixes(subject, expected):
    assert strip_reply_prefixes(subject) == expected


def test_tagged_subject_has_one_tag():
    assert tagged_subject(12, "Re: [#12] Help") == "[#12] Help"
    assert tagged_subject(12, "Help", reply=True) == "Re: [#12] Help"


def test_ticket_number_in_subject():
    assert ticket_number_in_subject("Re: [#123] Help") == 123
    assert ticket_number_in_subject("Order #123") is None


def test_build_mail_threads_and_marks_automatic_mail():
    references = tuple(f"id{n}@example.org" for n in range(30))
    mail = build_mail(
        MailHeaders(
            sender_name="Desk",
            sender_address="support@desk.example.com",
            reply_to="reply+1.abc@desk.example.com",
            recipient_name="Mario Rossi",
            recipient_address="mario@example.org",
            subject="[#1] Hello",
            message_id="ours@desk.example.com",
            date=datetime(2026, 11, 23, tzinfo=UTC),
            language="it",
            in_reply_to="id29@example.org",
            references=references,
            automatic=True,
        ),
        "Ciao",
    )

    assert mail["Message-ID"] == "<ours@desk.example.com>"
    assert mail["In-Reply-To"] == "<id29@example.org>"
    assert mail["References"].split() == [f"<{r}>" for r in references[-MAX_REFERENCES:]]
    assert mail["Auto-Submitted"] == "auto-replied"
    assert mail["Reply-To"] == "Desk <reply+1.abc@desk.example.com>"


def test_long_message_ids_stay_readable_for_mail_clients():
    long_id = "0102018c" + "a" * 70 + "@eu-west-1.amazonses.com"
    mail = build_mail(
        MailHeaders(
            sender_name="Desk",
            sender_address="support@desk.example.com",
            reply_to="reply+1.abc@desk.example.com",
            recipient_name="Mario",
            recipient_address="mario@example.org",
            subject="[#1] Hello",
            message_id="ours@desk.example.com",
            date=datetime(2026, 11, 23, tzinfo=UTC),
            language="en",
            in_reply_to=long_id,
            references=(long_id,),
        ),
        "Hi",
    )

    raw = mail.as_bytes()

    assert f"References: <{long_id}>".encode() in raw
    assert b"=?utf-8?" not in raw
