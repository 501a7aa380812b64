"""The email channel end to end through the real handler, under moto."""

from __future__ import annotations

from email.utils import make_msgid

import pytest

from sportello.agents import Agent
from sportello.app import sportello
from sportello.config import INBOUND_PREFIX, settings
from sportello.tickets.model import AuthorType, Status
from sportello.tickets.ports import TicketQuery
from sportello.tickets.service import TicketChanges

from .mail import compose, deliver

AGENT = Agent("agent-1", "agent@desk.example.com", "Agent")


@pytest.fixture(autouse=True)
def routed(cloud):
    """Each mail is routed once delivered: the acknowledgement is the routing workflow's first trigger."""
    cloud.routed = True


def _solve_ticket(number: int) -> int:
    """Solves the ticket; its new version."""
    service = sportello().tickets
    solved = service.update(number, AGENT, TicketChanges(status=Status.SOLVED), service.get(number).version)
    return solved.version


def _close_ticket(number: int) -> None:
    sportello().tickets.update(number, AGENT, TicketChanges(status=Status.CLOSED), _solve_ticket(number))


ITALIAN_BODY = "Buongiorno, non riesco ad accedere al mio account da ieri. Potete aiutarmi per favore?"


def test_new_mail_opens_ticket_and_sends_threaded_acknowledgement(cloud):
    # Given a customer's first mail
    mail = compose()

    # When SES delivers it
    report = deliver(cloud, mail)

    # Then it is ticket #1, and the acknowledgement answers it in the same thread
    assert report == {"result": "ticket_created", "ticket": 1, "reason": None}
    history = sportello().tickets.history(1)
    assert history.ticket.status is Status.NEW
    assert history.ticket.requester.email == "mario@example.org"
    assert history.ticket.language == "en"
    assert [m.author_type for m in history.messages] == [AuthorType.CUSTOMER]
    [ack] = cloud.sent_mails()
    assert ack["Subject"].startswith("[#1] We received your request")
    assert ack["In-Reply-To"] == mail["Message-ID"]
    assert ack["Auto-Submitted"] == "auto-replied"
    assert ack["To"].addresses[0].addr_spec == "mario@example.org"
    assert ack["Reply-To"].addresses[0].addr_spec.startswith("reply+1.")
    assert "acknowledgement_sent" in [e.kind for e in history.events]


def test_acknowledgement_speaks_the_customers_language(cloud):
    deliver(cloud, compose(subject="Accesso bloccato", body=ITALIAN_BODY))

    [ack] = cloud.sent_mails()
    assert "Abbiamo ricevuto la tua richiesta" in ack["Subject"]
    assert "Gentile" in ack.get_content()
    assert sportello().tickets.history(1).ticket.language == "it"


def test_reply_keeping_only_references_lands_on_the_same_ticket(cloud):
    first = compose()
    deliver(cloud, first)
    [ack] = cloud.sent_mails()

    # A client that drops the subject tag and In-Reply-To, keeping only References
    reply = compose(subject="Re: Cannot log in", body="Still broken.", references=ack["Message-ID"])
    report = deliver(cloud, reply)

    assert report["result"] == "reply_added"
    assert report["ticket"] == 1
    assert len(sportello().tickets.history(1).messages) == 2
    assert len(cloud.sent_mails()) == 1, "a reply is never acknowledged again"


def test_same_delivery_twice_creates_nothing_twice(cloud):
    mail = compose()
    deliver(cloud, mail)
    again = deliver(cloud, mail)

    assert again["result"] == "duplicate"
    assert len(sportello().tickets.history(1).messages) == 1
    assert len(cloud.sent_mails()) == 1


def test_subject_tag_threads_only_for_the_requester(cloud):
    deliver(cloud, compose())

    from_requester = deliver(cloud, compose(subject="[#1] more details", body="Here is a screenshot."))
    from_stranger = deliver(
        cloud, compose(sender="eve@attacker.example", subject="[#1] inject", body="Please reset it to me.")
    )

    assert from_requester == {"result": "reply_added", "ticket": 1, "reason": None}
    assert from_stranger["result"] == "ticket_created"
    assert from_stranger["ticket"] == 2


def test_signed_reply_address_threads_and_a_forged_one_does_not(cloud):
    deliver(cloud, compose())
    [ack] = cloud.sent_mails()
    reply_address = ack["Reply-To"].addresses[0].addr_spec
    forged = reply_address.replace("reply+1.", "reply+1.aaaa")[: len(reply_address)]

    genuine = deliver(cloud, compose(subject="thanks", to=reply_address), recipients=(reply_address,))
    fake = deliver(
        cloud,
        compose(sender="eve@attacker.example", subject="hello", to=forged),
        recipients=(forged,),
    )

    assert genuine["ticket"] == 1
    assert genuine["result"] == "reply_added"
    assert fake["result"] == "ticket_created"


def test_sender_failing_dmarc_cannot_post_into_the_requesters_ticket(cloud):
    deliver(cloud, compose())
    [ack] = cloud.sent_mails()

    spoofed = compose(
        subject="Re: Cannot log in", body="Send the invoice to me", references=ack["Message-ID"]
    )
    report = deliver(cloud, spoofed, verdicts={"dmarc": "FAIL", "spf": "FAIL"})

    assert report["result"] == "ticket_created"
    assert report["ticket"] == 2
    assert len(sportello().tickets.history(1).messages) == 1
    assert "unverified-sender" in sportello().tickets.history(2).ticket.tags
    assert len(cloud.sent_mails()) == 1, "no acknowledgement goes to a possibly forged sender"


def test_auto_reply_never_opens_a_ticket_nor_gets_an_acknowledgement(cloud):
    vacation = compose(subject="Out of office", headers={"Auto-Submitted": "auto-replied"})

    report = deliver(cloud, vacation)

    assert report["result"] == "quarantined"
    assert "automatic" in report["reason"]
    assert cloud.sent_mails() == []
    assert [r.reason for r in sportello().quarantine.recent().items] == [report["reason"]]


def test_gray_verdicts_never_thread_into_an_existing_ticket(cloud):
    # Given Mario's solved ticket, and a mail "from Mario" quoting our acknowledgement and the subject
    # tag, from a domain SES could check nothing for: SPF, DKIM and DMARC all GRAY
    deliver(cloud, compose())
    [ack] = cloud.sent_mails()
    _solve_ticket(1)
    forged = compose(subject="Re: [#1] Cannot log in", references=ack["Message-ID"])

    # When it arrives
    report = deliver(cloud, forged, verdicts={})

    # Then it opens ticket #2, tagged and linked to #1, and #1 neither gains a message nor reopens
    assert report == {"result": "ticket_created", "ticket": 2, "reason": None}
    first, second = sportello().tickets.history(1), sportello().tickets.history(2)
    assert (len(first.messages), first.ticket.status) == (1, Status.SOLVED)
    assert "unverified-sender" in second.ticket.tags
    assert [e.data["linked_to"] for e in second.events if e.kind == "ticket_linked"] == [1]
    assert len(cloud.sent_mails()) == 1, "no acknowledgement goes to a possibly forged sender"


def test_auto_reply_to_our_acknowledgement_is_kept_on_the_ticket_without_reopening(cloud):
    # Given a ticket the agent has solved (a customer's own answer would reopen it)
    deliver(cloud, compose())
    [ack] = cloud.sent_mails()
    _solve_ticket(1)

    # When the customer's mail system answers our acknowledgement automatically
    report = deliver(
        cloud,
        compose(
            subject="Automatic reply",
            in_reply_to=ack["Message-ID"],
            headers={"Auto-Submitted": "auto-replied"},
        ),
    )

    # Then it is kept on the ticket, which stays solved, and nobody answers it
    assert report["result"] == "reply_added"
    history = sportello().tickets.history(1)
    assert history.messages[-1].auto_submitted
    assert history.ticket.status is Status.SOLVED, "an auto-reply never changes a ticket's status"
    assert len(cloud.sent_mails()) == 1


def test_bounce_of_our_mail_becomes_a_system_event(cloud):
    deliver(cloud, compose())
    [ack] = cloud.sent_mails()
    dsn = (
        "From: MAILER-DAEMON@example.org\r\nTo: support@desk.example.com\r\n"
        f"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: {make_msgid()}\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org\r\n\r\n"
        "Final-Recipient: rfc822; mario@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"
        f"--b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {ack['Message-ID']}\r\n"
        "Subject: ack\r\n--b--\r\n"
    ).encode()

    report = deliver(cloud, dsn)

    assert report == {"result": "system_event", "ticket": 1, "reason": None}
    [failure] = [e for e in sportello().tickets.history(1).events if e.kind == "delivery_failed"]
    assert failure.data["status"] == "5.1.1"
    assert "mario@example.org" in failure.data["recipients"]


def test_unreadable_mail_is_quarantined_and_kept(cloud):
    report = deliver(cloud, b"", ses_id="broken-one")

    assert report["result"] == "quarantined"
    [record] = sportello().quarantine.recent().items
    assert record.raw_key == f"{INBOUND_PREFIX}broken-one"
    assert cloud.s3.get_object(Bucket=cloud.bucket, Key=record.raw_key)["Body"].read() == b""


def test_virus_verdict_quarantines(cloud):
    report = deliver(cloud, compose(), verdicts={"virus": "FAIL"})

    assert report["result"] == "quarantined"
    assert "virus" in report["reason"]
    assert cloud.sent_mails() == []


def test_reply_to_a_closed_ticket_opens_a_follow_up(cloud):
    deliver(cloud, compose())
    [ack] = cloud.sent_mails()
    _close_ticket(1)

    report = deliver(cloud, compose(subject="Re: again", references=ack["Message-ID"]))

    assert report["result"] == "follow_up"
    assert report["ticket"] == 2
    assert any(e.kind == "follow_up_created" for e in sportello().tickets.history(2).events)


def test_auto_reply_to_a_closed_ticket_opens_nothing(cloud):
    deliver(cloud, compose())
    [ack] = cloud.sent_mails()
    _close_ticket(1)

    report = deliver(
        cloud,
        compose(
            subject="Out of office", in_reply_to=ack["Message-ID"], headers={"Auto-Submitted": "auto-replied"}
        ),
    )

    assert report["result"] == "quarantined"
    assert sportello().tickets.find(TicketQuery(status=Status.NEW)).items == []


def test_redelivery_burns_no_ticket_number(cloud):
    mail = compose()
    deliver(cloud, mail)
    deliver(cloud, mail)

    second = deliver(cloud, compose(sender="other@example.org"))

    assert second["ticket"] == 2


def test_reply_quoting_the_message_id_ses_gave_our_mail_threads(cloud):
    # SES replaces our Message-ID with <ses-id@<region>.amazonses.com>; customers' clients quote that.
    deliver(cloud, compose())
    backend_id = cloud.last_ses_message_id()

    report = deliver(
        cloud, compose(subject="Re: hello", references=f"<{backend_id}@eu-west-1.amazonses.com>")
    )

    assert report["result"] == "reply_added"
    assert report["ticket"] == 1


def test_mail_from_our_own_reply_address_is_a_loop_but_other_reply_plus_senders_are_customers(cloud):
    deliver(cloud, compose())
    [ack] = cloud.sent_mails()
    ours = ack["Reply-To"].addresses[0].addr_spec

    loop = deliver(cloud, compose(sender=ours, subject="bounce back"))
    notifications = deliver(
        cloud, compose(sender="reply+abc123@notifications.example.com", subject="Your order")
    )

    assert loop["result"] == "quarantined"
    assert "loop" in loop["reason"]
    assert notifications["result"] == "ticket_created"


def test_mail_whose_sender_is_our_own_support_address_is_a_loop(cloud):
    # Given a mail claiming to come from our own support address (a misconfigured forward, say)
    ours = compose(sender=f"Support <{settings().support_address.upper()}>", subject="Re: your request")

    # When it arrives
    report = deliver(cloud, ours)

    # Then it is quarantined as a loop: no ticket, nothing sent back
    assert report["result"] == "quarantined"
    assert "loop" in report["reason"]
    assert sportello().tickets.find(TicketQuery()).items == []
    assert cloud.sent_mails() == []


def test_mail_from_an_internationalised_domain_is_acknowledged_at_its_punycode_form(cloud):
    report = deliver(cloud, compose(sender="Jürgen <juergen@exämple.de>"))
    reply, _ = sportello().tickets.reply(1, AGENT, "Ecco.", public=True)

    assert report["result"] == "ticket_created"
    assert reply.delivery_status == "sent"
    assert [m["To"].addresses[0].addr_spec for m in cloud.sent_mails()] == ["juergen@xn--exmple-cua.de"] * 2


def test_mail_from_a_mailbox_ses_cannot_send_to_is_quarantined_and_opens_nothing(cloud):
    report = deliver(cloud, compose(sender="Jürgen <jürgen@example.de>"))

    assert report["result"] == "quarantined"
    assert "non-ASCII" in report["reason"]
    assert sportello().tickets.find(TicketQuery()).items == []
    assert cloud.sent_mails() == []


def test_a_different_mail_reusing_a_seen_message_id_is_quarantined_not_discarded(cloud):
    first = compose(body="My order 1234 never arrived.")
    deliver(cloud, first)
    other = compose(body="Please send the refund to another account.")
    other.replace_header("Message-ID", str(first["Message-ID"]))

    report = deliver(cloud, other)
    again = deliver(cloud, first)

    assert report["result"] == "quarantined"
    assert "with other content" in report["reason"]
    assert [r.reason for r in sportello().quarantine.recent().items] == [report["reason"]]
    assert again["result"] == "duplicate"
    assert len(sportello().tickets.history(1).messages) == 1
