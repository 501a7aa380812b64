"""Rules of the email intake that mutation testing (`make mutate`) found unguarded: what identifies a
mail without a Message-ID, who may send, what of the mail reaches the ticket, and subject tags."""

from __future__ import annotations

from sportello.email.parsing import parse_email
from sportello.intake.email import Report, Result
from sportello.tickets.model import Status
from sportello.tickets.service import TicketChanges
from tests.unit.intake.builders import AGENT, Mailbox, compose, message_id

OUR_MESSAGE_ID = "our-reply-1@desk.example.com"


def test_a_mail_without_a_message_id_is_known_by_its_bytes_so_a_redelivery_is_a_duplicate() -> None:
    mailbox = Mailbox()
    mail = compose()
    del mail["Message-ID"]

    first, again = mailbox.deliver(mail), mailbox.deliver(mail)

    assert (first.result, again.result) == (Result.TICKET_CREATED, Result.DUPLICATE)


def test_a_bounce_without_a_message_id_of_its_own_is_recorded_on_the_ticket() -> None:
    mailbox = Mailbox()
    number, _ = mailbox.open_ticket()
    mailbox.desk.service.remember_outbound_ref(OUR_MESSAGE_ID, number)
    dsn = (
        "From: MAILER-DAEMON@example.org\nTo: support@desk.example.com\nSubject: Undelivered\n"
        'MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary="b"\n\n'
        "--b\nContent-Type: text/plain\n\nDelivery failed.\n"
        "--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.org\n\n"
        "Final-Recipient: rfc822; mario@example.org\nAction: failed\nStatus: 5.1.1\n"
        f"--b\nContent-Type: text/rfc822-headers\n\nMessage-ID: <{OUR_MESSAGE_ID}>\n--b--\n"
    ).encode()

    assert mailbox.deliver(dsn) == Report(Result.SYSTEM_EVENT, number)


def test_a_sender_without_a_domain_is_no_usable_sender() -> None:
    report = Mailbox().deliver(compose(sender="mario"))

    assert report == Report(Result.QUARANTINED, reason="the mail has no usable sender address")


def test_the_mails_texts_html_and_language_reach_the_ticket() -> None:
    mail = compose(body="Grazie, ora funziona.\n\nOn Mon, Mario wrote:\n> Non riesco ad accedere")
    mail.add_alternative("<p>Grazie, ora funziona.</p>", subtype="html")
    mail["Content-Language"] = "it"
    mailbox = Mailbox()
    parsed = parse_email(bytes(mail))

    number = mailbox.deliver(mail).ticket_number

    assert number is not None
    [message] = mailbox.desk.messages(number)
    assert (message.text, message.full_text, message.html) == (parsed.display_text, parsed.text, parsed.html)
    assert parsed.display_text != parsed.text and parsed.html
    assert mailbox.desk.repo.get(number).language == "it"


def test_an_automatic_answer_on_a_ticket_is_kept_marked_automatic_and_reopens_nothing() -> None:
    mailbox = Mailbox()
    number, _ = mailbox.open_ticket()
    mailbox.desk.service.remember_outbound_ref(OUR_MESSAGE_ID, number)
    version = mailbox.desk.repo.get(number).version
    mailbox.desk.service.update(number, AGENT, TicketChanges(status=Status.SOLVED), version)
    answer = compose(
        subject="Out of office", In_Reply_To=f"<{OUR_MESSAGE_ID}>", Auto_Submitted="auto-replied"
    )

    report = mailbox.deliver(answer)

    assert report == Report(Result.REPLY_ADDED, number)
    [kept] = [m for m in mailbox.desk.messages(number) if m.external_id == message_id(answer)]
    assert kept.auto_submitted == "auto-submitted: auto-replied"
    assert mailbox.desk.repo.get(number).status is Status.SOLVED


def test_a_subject_tag_naming_no_ticket_opens_a_new_one() -> None:
    report = Mailbox().deliver(compose(subject="[#99] Still waiting"))

    assert report == Report(Result.TICKET_CREATED, 1)
