"""Delivery status notifications are recognised, and tell which message bounced and for whom."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from email_corpus import corpus_files, corpus_id, read

from sportello.email import Bounce, parse_email

SISIMAI = "sisimai_set-of-emails"
# sisimai's RFC 3834 samples are out-of-office replies, not bounces.
BOUNCES = [path for path in corpus_files(f"{SISIMAI}/*/*.eml") if path.parent.name != "not_bounce"]
BOUNCES = [path for path in BOUNCES if not path.name.startswith("rfc3834-")]
NOT_BOUNCES = corpus_files(f"{SISIMAI}/not_bounce/*.eml")
AUTO_REPLIES = corpus_files(f"{SISIMAI}/bsd_LF/rfc3834-*.eml")
SES_REPORTS = [
    path
    for path in corpus_files(f"{SISIMAI}/bsd_LF/lhost-amazonses-*.eml")
    if b"message/rfc822" in path.read_bytes()
]


def bounce_of(relative: str) -> Bounce:
    bounce = parse_email(read(relative)).bounce
    assert bounce is not None
    return bounce


def test_sisimai_bounces_are_recognised() -> None:
    missed = [corpus_id(path) for path in BOUNCES if parse_email(path.read_bytes()).bounce is None]

    print(f"bounces recognised: {len(BOUNCES) - len(missed)}/{len(BOUNCES)}; missed: {missed}")
    assert len(BOUNCES) > 60
    assert len(missed) <= len(BOUNCES) // 20


@pytest.mark.parametrize("path", NOT_BOUNCES + AUTO_REPLIES, ids=corpus_id)
def test_mail_that_is_not_a_bounce_is_not_taken_for_one(path: Path) -> None:
    assert parse_email(path.read_bytes()).bounce is None


@pytest.mark.parametrize("path", SES_REPORTS, ids=corpus_id)
def test_ses_bounce_reports_name_the_message_that_bounced(path: Path) -> None:
    raw = path.read_bytes()
    returned = raw[raw.index(b"message/rfc822") :]
    expected = re.search(rb"^Message-I[dD]:\s*<([^>]+)>", returned, re.MULTILINE)

    bounce = parse_email(raw).bounce

    assert bounce is not None
    assert bounce.action == "failed"
    assert re.fullmatch(r"[45]\.\d+\.\d+", bounce.status)
    assert bounce.recipients and all("@" in recipient for recipient in bounce.recipients)
    assert expected is not None
    assert bounce.original_message_id == expected.group(1).decode()


def test_an_ses_report_in_detail() -> None:
    bounce = bounce_of(f"{SISIMAI}/bsd_LF/lhost-amazonses-01.eml")

    assert bounce == Bounce(
        original_message_id="000001321defbd2a-788e31c8-2be1-422f-a8d4-cf7765cc9ed7-000000@email.amazonses.com",
        recipients=("shironeko@example.co.jp",),
        action="failed",
        status="5.0.0",
        diagnostic=(
            "5.1.0 - Unknown address error 550-'5.7.1 "
            "<000001321defbd2a-788e31c8-2be1-422f-a8d4-cf7765cc9ed7-000000@email-bounces.amazonses.com>"
            "... Access denied' (delivery attempts: 0)"
        ),
    )
    assert bounce.diagnostic.startswith("5.1.0 - Unknown address error 550-'5.7.1")


def test_ses_receiving_reports_carry_the_returned_headers() -> None:
    bounce = bounce_of(f"{SISIMAI}/bsd_LF/lhost-receivingses-01.eml")

    assert bounce.original_message_id == "DCB08CC1-D236-48E2-9A8D-2492DACE50E2@example.co.jp"
    assert bounce.recipients == ("userunknown@neko.example.jp",)
    assert (bounce.status, bounce.diagnostic) == ("5.1.1", "550 5.1.1 Mailbox does not exist")


@pytest.mark.parametrize(
    ("name", "action", "recipient", "status"),
    [
        ("lhost-amazonses-09.eml", "failed", "bounce@simulator.amazonses.com", "5.1.1"),
        ("lhost-amazonses-10.eml", "failed", "bounce@simulator.amazonses.com", "5.1.1"),
        ("lhost-amazonses-11.eml", "complained", "complaint@simulator.amazonses.com", ""),
        ("lhost-amazonses-12.eml", "delivered", "success@simulator.amazonses.com", "2.6.0"),
    ],
)
def test_ses_notifications_mailed_by_sns_are_read_from_their_json(
    name: str, action: str, recipient: str, status: str
) -> None:
    bounce = bounce_of(f"{SISIMAI}/bsd_LF/{name}")

    assert (bounce.action, bounce.recipients, bounce.status) == (action, (recipient,), status)
    # Without a Message-ID header in the notification, SES's own message id identifies the mail.
    assert bounce.original_message_id and bounce.original_message_id.endswith("-000000")


@pytest.mark.parametrize(
    ("relative", "recipients", "status"),
    [
        (f"{SISIMAI}/bsd_LF/lhost-qmail-02.eml", ("userunknown@example.jp", "filtered@example.jp"), "5.1.1"),
        (f"{SISIMAI}/bsd_LF/lhost-exim-02.eml", ("kijitora@example.jp", "sabatora@example.jp"), "5.1.1"),
        (f"{SISIMAI}/bsd_LF/lhost-gmail-01.eml", ("userunknown@example.jp",), "5.1.1"),
        (f"{SISIMAI}/bsd_LF/rfc3464-04.eml", ("kijitora@mailx-53.neko.example.edu",), "5.5.0"),
        ("mimekit/messages_delivery-status-no-blank-line.txt", ("newsletter-request@imusic.com",), ""),
        ("mimekit/messages_bounce.txt", ("netec.test@netecgc.com",), "5.1.1"),
    ],
)
def test_bounces_without_a_clean_report_still_name_the_recipients(
    relative: str, recipients: tuple[str, ...], status: str
) -> None:
    bounce = bounce_of(relative)

    assert bounce.recipients == recipients
    assert bounce.status == status
    assert bounce.action == "failed"


def test_free_text_bounces_find_the_returned_message_id() -> None:
    bounce = bounce_of(f"{SISIMAI}/bsd_LF/lhost-exim-01.eml")

    assert bounce.original_message_id == "E1P1ce6-000Egt-GZ@e1.example.org"


def test_abuse_reports_are_complaints() -> None:
    bounce = bounce_of("mimekit/messages_feedback-report.txt")

    assert bounce.action == "complained"
    assert bounce.recipients == ("user@example.com",)
    assert bounce.original_message_id == "8787KJKJ3K4J3K4J3K4J3.mail@example.net"


def test_a_delay_notice_is_not_a_failure() -> None:
    raw = (
        b"From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.org>\n"
        b"Subject: Warning: could not send message for past 4 hours\n\n"
        b"    **********************************************\n"
        b"    **      THIS IS A WARNING MESSAGE ONLY      **\n"
        b"    **  YOU DO NOT NEED TO RESEND YOUR MESSAGE  **\n\n"
        b"The original message was received and will be retried for 5 days.\n\n"
        b"<customer@example.com>: host mx.example.com said: 451 4.4.1 try again later\n"
    )

    bounce = parse_email(raw).bounce

    assert bounce is not None
    assert (bounce.action, bounce.status, bounce.recipients) == (
        "delayed",
        "4.4.1",
        ("customer@example.com",),
    )
