"""EmailReceiver: from a raw mail in the blob store to a ticket, a ticket event, or the quarantine."""

from __future__ import annotations

from dataclasses import replace

import pytest

from sportello.customers.model import Identity
from sportello.email.tokens import ReplyTokens
from sportello.intake.email import UNVERIFIED_TAG, Report, Result, Verdicts
from sportello.tickets.events import EventKind
from sportello.tickets.model import Channel
from sportello.tickets.service import MAX_ATTACHMENTS_PER_MESSAGE
from tests.unit.intake.builders import (
    MAIL_DOMAIN,
    PASS,
    SES_BOUNCE,
    SES_BOUNCED_ID,
    SUPPORT,
    Mailbox,
    compose,
    message_id,
)


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox()


# --- new mail and threading ----------------------------------------------------------------------------


def test_a_new_mail_opens_a_ticket_and_is_acknowledged(mailbox: Mailbox) -> None:
    # Given a mail from a customer we have never seen
    mail = compose(subject="Cannot log in")

    # When it arrives
    report = mailbox.deliver(mail)

    # Then it opens ticket #1 for the sender, with the mail as its first message, and is acknowledged once
    assert report == Report(Result.TICKET_CREATED, 1)
    ticket = mailbox.desk.repo.get(1)
    assert (ticket.subject, ticket.channel, ticket.requester.email) == (
        "Cannot log in",
        Channel.EMAIL,
        "mario@example.org",
    )
    [first] = mailbox.desk.messages(1)
    assert first.external_id == message_id(mail)
    assert [t.number for t in mailbox.desk.outbound.acknowledgements] == [1]
    assert len(mailbox.desk.events(1, EventKind.ACKNOWLEDGEMENT_SENT)) == 1


@pytest.mark.parametrize("header", ["In_Reply_To", "References"])
def test_a_reply_quoting_our_message_id_threads_onto_its_ticket(mailbox: Mailbox, header: str) -> None:
    # Given ticket #1, and a mail we sent on it whose Message-ID we remembered
    number, _ = mailbox.open_ticket()
    mailbox.open_ticket(sender="someone.else@example.net")
    mailbox.desk.service.remember_outbound_ref("our-reply-1@desk.example.com", number)

    # When the customer answers quoting that Message-ID (in In-Reply-To, or in References)
    report = mailbox.deliver(compose(subject="Re: your answer", **{header: "<our-reply-1@desk.example.com>"}))

    # Then the answer is added to that ticket, and no new ticket or acknowledgement follows
    assert report == Report(Result.REPLY_ADDED, number)
    assert len(mailbox.desk.messages(number)) == 2
    assert len(mailbox.desk.repo.tickets) == 2
    assert len(mailbox.desk.outbound.acknowledgements) == 2


def test_a_subject_tag_threads_a_mail_from_the_tickets_requester(mailbox: Mailbox) -> None:
    # Given Mario's ticket #1
    number, _ = mailbox.open_ticket()

    # When Mario writes again with "[#1]" in the subject and no references
    report = mailbox.deliver(compose(subject=f"Re: [#{number}] Cannot log in"))

    # Then the mail joins ticket #1
    assert report == Report(Result.REPLY_ADDED, number)


def test_a_subject_tag_from_anyone_but_the_requester_opens_a_new_ticket(mailbox: Mailbox) -> None:
    # Given Mario's ticket #1
    number, _ = mailbox.open_ticket()

    # When somebody else puts "[#1]" in a subject
    report = mailbox.deliver(compose(sender="eve@example.net", subject=f"[#{number}] let me in"))

    # Then it does not reach Mario's ticket: it opens one of its own
    assert report == Report(Result.TICKET_CREATED, 2)
    assert len(mailbox.desk.messages(number)) == 1


def test_a_mail_to_the_tickets_signed_reply_address_threads(mailbox: Mailbox) -> None:
    # Given ticket #1 and its signed reply address
    number, _ = mailbox.open_ticket()
    reply_to = mailbox.tokens.address(number)

    # When a mail arrives at that address with neither references nor a subject tag
    report = mailbox.deliver(compose(sender="mario@example.org", subject="one more thing", To=reply_to))

    # Then it joins the ticket
    assert report == Report(Result.REPLY_ADDED, number)


def test_a_forged_reply_address_does_not_thread(mailbox: Mailbox) -> None:
    # Given ticket #1
    mailbox.open_ticket()

    # When a mail arrives at a reply address for #1 signed with another secret
    forged = ReplyTokens("another-secret", MAIL_DOMAIN).address(1)
    report = mailbox.deliver(compose(sender="eve@example.net", subject="hello", To=forged))

    # Then it opens a ticket of its own
    assert report == Report(Result.TICKET_CREATED, 2)


@pytest.mark.parametrize(
    "verdicts",
    [Verdicts(spf="FAIL", dkim="PASS"), Verdicts(spf="PASS", dkim="FAIL"), replace(PASS, dmarc="FAIL")],
    ids=["spf", "dkim", "dmarc"],
)
def test_an_unauthenticated_mail_never_threads_into_an_existing_ticket(
    mailbox: Mailbox, verdicts: Verdicts
) -> None:
    # Given ticket #1 and a mail quoting its first message, whose sender fails SPF, DKIM or DMARC
    number, first = mailbox.open_ticket()
    forged = compose(subject="Re: Cannot log in", In_Reply_To=str(first["Message-ID"]))

    # When it arrives
    report = mailbox.deliver(forged, verdicts)

    # Then it opens a new ticket tagged unverified-sender, which is not acknowledged
    assert report == Report(Result.TICKET_CREATED, 2)
    assert len(mailbox.desk.messages(number)) == 1
    assert mailbox.desk.repo.get(2).tags == [UNVERIFIED_TAG]
    assert [t.number for t in mailbox.desk.outbound.acknowledgements] == [number]


def test_an_unauthenticated_new_mail_is_tagged_and_not_acknowledged(mailbox: Mailbox) -> None:
    # Given a new mail that fails DMARC
    verdicts = replace(PASS, dmarc="FAIL")

    # When it arrives
    report = mailbox.deliver(compose(), verdicts)

    # Then a ticket opens, tagged, and nothing is sent to the (possibly forged) sender
    assert report == Report(Result.TICKET_CREATED, 1)
    assert mailbox.desk.repo.get(1).tags == [UNVERIFIED_TAG]
    assert mailbox.desk.outbound.acknowledgements == []


# --- what never becomes a ticket -----------------------------------------------------------------------


def test_an_auto_reply_never_opens_a_ticket(mailbox: Mailbox) -> None:
    # Given an out-of-office reply that answers no ticket of ours
    auto = compose(subject="Out of office", body="I am away until Monday.", Auto_Submitted="auto-replied")

    # When it arrives
    report = mailbox.deliver(auto)

    # Then it is quarantined before anything is made of it: no ticket, no customer, no acknowledgement
    assert report.result is Result.QUARANTINED
    assert "automatic" in (report.reason or "")
    assert mailbox.desk.repo.tickets == {}
    assert mailbox.desk.customer_repo.customers == {}
    assert mailbox.desk.outbound.acknowledgements == []


@pytest.mark.parametrize("ours", [SUPPORT, "SUPPORT@desk.example.com", "reply-token"])
def test_a_mail_from_one_of_our_own_addresses_is_quarantined_as_a_loop(mailbox: Mailbox, ours: str) -> None:
    # Given a mail whose sender is our support address (any case) or one of our reply addresses
    sender = mailbox.tokens.address(7) if ours == "reply-token" else ours

    # When it arrives
    report = mailbox.deliver(compose(sender=sender, subject="Re: bounce back"), ses_id="loop")

    # Then it is quarantined as a loop, with the raw mail's key, and opens nothing
    assert report.result is Result.QUARANTINED
    assert "loop" in (report.reason or "")
    [record] = mailbox.quarantine.records.values()
    assert record.raw_key == "inbound/loop"
    assert mailbox.desk.repo.tickets == {}


def test_a_mail_from_a_mailbox_ses_cannot_send_to_is_quarantined_before_anything_is_written(
    mailbox: Mailbox,
) -> None:
    # Given a mail from an SMTPUTF8 mailbox (non-ASCII before the @), which SES cannot answer
    # When it arrives
    report = mailbox.deliver(compose(sender="Jürgen <jürgen@example.de>"), ses_id="utf8-local-part")

    # Then it is quarantined, saying why, and no ticket or customer exists that no reply could reach
    assert report.result is Result.QUARANTINED
    assert "non-ASCII characters before the @" in (report.reason or "")
    [record] = mailbox.quarantine.records.values()
    assert record.raw_key == "inbound/utf8-local-part"
    assert mailbox.desk.repo.tickets == {}
    assert mailbox.desk.customer_repo.customers == {}


def test_a_mail_from_an_internationalised_domain_opens_a_ticket(mailbox: Mailbox) -> None:
    report = mailbox.deliver(compose(sender="Jürgen <juergen@exämple.de>"))

    assert report == Report(Result.TICKET_CREATED, 1)
    assert mailbox.desk.repo.get(1).requester.email == "juergen@exämple.de"


def nested_mail(depth: int) -> bytes:
    """A mail whose only text sits `depth` multipart levels down."""
    body = "Content-Type: text/plain\n\nthe words at the bottom\n"
    for level in range(depth):
        body = f'Content-Type: multipart/mixed; boundary="b{level}"\n\n--b{level}\n{body}--b{level}--\n'
    return f"From: mario@example.org\nTo: {SUPPORT}\nSubject: deep\nMIME-Version: 1.0\n{body}".encode()


@pytest.mark.parametrize(
    ("depth", "reason"), [(55, "nested deeper than 50 levels"), (3000, "only the header fields")]
)
def test_a_mail_with_parts_too_deep_to_read_is_quarantined_never_an_empty_message(
    mailbox: Mailbox, depth: int, reason: str
) -> None:
    # Given a mail whose text lies deeper than the parser opens (or deep enough to defeat the parser)
    # When it arrives
    report = mailbox.deliver(nested_mail(depth), ses_id="deep")

    # Then it is quarantined, saying parts were not read, with the raw mail kept; no ticket shows less
    assert report.result is Result.QUARANTINED
    assert reason in (report.reason or "")
    [record] = mailbox.quarantine.records.values()
    assert record.raw_key == "inbound/deep"
    assert mailbox.desk.repo.tickets == {}


def test_a_nested_mail_the_parser_reads_whole_opens_its_ticket(mailbox: Mailbox) -> None:
    assert mailbox.deliver(nested_mail(40)) == Report(Result.TICKET_CREATED, 1)
    assert mailbox.desk.messages(1)[0].text == "the words at the bottom"


def test_an_unreadable_mail_is_quarantined_with_its_raw_key_kept(mailbox: Mailbox) -> None:
    # Given an empty object where SES kept a mail
    # When it is processed
    report = mailbox.deliver(b"", ses_id="broken-one")

    # Then it is quarantined, pointing at the raw mail, which stays where it was
    assert report.result is Result.QUARANTINED
    [record] = mailbox.quarantine.records.values()
    assert (record.raw_key, record.channel) == ("inbound/broken-one", "email")
    assert mailbox.blobs.get("inbound/broken-one") == b""
    assert mailbox.desk.repo.tickets == {}


@pytest.mark.parametrize(
    ("verdicts", "word"), [(replace(PASS, virus="FAIL"), "virus"), (replace(PASS, spam="FAIL"), "spam")]
)
def test_a_virus_or_spam_verdict_is_quarantined_with_its_raw_key_kept(
    mailbox: Mailbox, verdicts: Verdicts, word: str
) -> None:
    # Given a well-formed mail that SES judged a virus or spam

    # When it is processed
    report = mailbox.deliver(compose(), verdicts, ses_id="judged")

    # Then it is quarantined with the reason, the raw mail kept, and no ticket
    assert report.result is Result.QUARANTINED
    assert word in (report.reason or "")
    [record] = mailbox.quarantine.records.values()
    assert record.raw_key == "inbound/judged"
    assert "inbound/judged" in mailbox.blobs.objects
    assert mailbox.desk.repo.tickets == {}


def test_a_redelivered_mail_creates_nothing_twice(mailbox: Mailbox) -> None:
    # Given a mail that opened ticket #1
    mail = compose(subject="Cannot log in")
    mailbox.deliver(mail)

    # When SES delivers the same mail again (under another object key)
    report = mailbox.deliver(mail)

    # Then it is a duplicate: still one ticket, one message, one acknowledgement, no number burnt
    assert report.result is Result.DUPLICATE
    assert list(mailbox.desk.repo.tickets) == [1]
    assert len(mailbox.desk.messages(1)) == 1
    assert len(mailbox.desk.outbound.acknowledgements) == 1
    assert mailbox.desk.repo.next_number() == 2


def test_a_redelivered_reply_is_added_once(mailbox: Mailbox) -> None:
    # Given a reply already threaded onto ticket #1
    number, first = mailbox.open_ticket()
    reply = compose(subject="Re: Cannot log in", In_Reply_To=str(first["Message-ID"]))
    mailbox.deliver(reply)

    # When it is delivered again
    report = mailbox.deliver(reply)

    # Then it is a duplicate and the ticket keeps two messages
    assert report.result is Result.DUPLICATE
    assert len(mailbox.desk.messages(number)) == 2


def test_a_different_mail_reusing_a_seen_message_id_is_quarantined_not_discarded(mailbox: Mailbox) -> None:
    # Given a mail that opened ticket #1
    first = compose(body="My order 1234 never arrived.")
    mailbox.deliver(first)

    # When another mail arrives under the same Message-ID, saying something else
    other = compose(body="Please send the refund to IBAN IT00 X000 0000 0000.")
    other.replace_header("Message-ID", str(first["Message-ID"]))
    report = mailbox.deliver(other, ses_id="reused-id")

    # Then it is not taken for a redelivery: it is quarantined, raw kept, and the ticket is untouched
    assert report.result is Result.QUARANTINED
    assert "already belongs to ticket #1, with other content" in (report.reason or "")
    [record] = mailbox.quarantine.records.values()
    assert record.raw_key == "inbound/reused-id"
    assert len(mailbox.desk.messages(1)) == 1


def test_a_mail_claiming_one_of_our_message_ids_as_its_own_is_quarantined(mailbox: Mailbox) -> None:
    number, _ = mailbox.open_ticket()
    mailbox.desk.service.remember_outbound_ref("our-reply-1@desk.example.com", number)
    claimant = compose(sender="eve@example.net")
    claimant.replace_header("Message-ID", "<our-reply-1@desk.example.com>")

    report = mailbox.deliver(claimant)

    assert report.result is Result.QUARANTINED
    assert "already belongs to ticket #1" in (report.reason or "")


def test_a_copy_of_a_mail_with_other_trace_headers_is_still_a_redelivery(mailbox: Mailbox) -> None:
    # Given a mail that opened ticket #1
    mail = compose()
    mailbox.deliver(mail)

    # When the sending server delivers it again, and the copy gathered other Received lines on its way
    copy = b"Received: from mx2.example.org by inbound-smtp.amazonaws.com\r\n" + bytes(mail)

    # Then it is a duplicate, nothing more
    assert mailbox.deliver(copy).result is Result.DUPLICATE
    assert mailbox.quarantine.records == {}


# --- bounces -------------------------------------------------------------------------------------------


def test_a_bounce_of_our_mail_records_delivery_failed_on_its_ticket_once(mailbox: Mailbox) -> None:
    # Given two tickets, and on the second the mail SES bounced in sisimai's sample
    mailbox.open_ticket()
    number, _ = mailbox.open_ticket(sender="bounce@simulator.amazonses.com")
    mailbox.desk.service.remember_outbound_ref(SES_BOUNCED_ID, number)
    dsn = SES_BOUNCE.read_bytes()

    # When the bounce arrives, and then again
    first = mailbox.deliver(dsn)
    again = mailbox.deliver(dsn)

    # Then one delivery_failed event names the recipient and the status, on that ticket only
    assert first == Report(Result.SYSTEM_EVENT, number)
    assert again == Report(Result.DUPLICATE, number)
    [failure] = mailbox.desk.events(number, EventKind.DELIVERY_FAILED)
    assert failure.data["status"] == "5.1.1"
    assert failure.data["recipients"] == ["bounce@simulator.amazonses.com"]
    assert failure.data["original_message_id"] == SES_BOUNCED_ID
    assert mailbox.desk.events(1, EventKind.DELIVERY_FAILED) == []
    assert len(mailbox.desk.messages(number)) == 1


def test_a_bounce_of_a_mail_we_do_not_know_is_quarantined(mailbox: Mailbox) -> None:
    # Given a ticket, but no record of the mail the bounce is about
    mailbox.open_ticket()

    # When the bounce arrives
    report = mailbox.deliver(SES_BOUNCE.read_bytes(), ses_id="stray-bounce")

    # Then it is quarantined with its raw key, and no ticket gains an event or a message
    assert report.result is Result.QUARANTINED
    [record] = mailbox.quarantine.records.values()
    assert record.raw_key == "inbound/stray-bounce"
    assert mailbox.desk.events(1, EventKind.DELIVERY_FAILED) == []
    assert list(mailbox.desk.repo.tickets) == [1]


# --- attachments ---------------------------------------------------------------------------------------


def test_attachments_are_stored_under_the_message_id_numbered_from_one(mailbox: Mailbox) -> None:
    # Given a mail with two attachments, one named with a path
    mail = compose(subject="Invoice")
    mail.add_attachment(b"%PDF-1.4 invoice", maintype="application", subtype="pdf", filename="invoice.pdf")
    mail.add_attachment(b"\x89PNG shot", maintype="image", subtype="png", filename="../screen shot.png")

    # When it arrives
    mailbox.deliver(mail)

    # Then each attachment is kept under attachments/<message id>/<n>-<name> and referenced by the message
    [message] = mailbox.desk.messages(1)
    keys = [a.key for a in message.attachments]
    assert keys == [f"attachments/{message.id}/1-invoice.pdf", f"attachments/{message.id}/2-screen shot.png"]
    assert mailbox.blobs.objects[keys[0]] == (b"%PDF-1.4 invoice", "application/pdf")
    assert mailbox.blobs.objects[keys[1]] == (b"\x89PNG shot", "image/png")
    assert mailbox.desk.customer_repo.owners[Identity.email("mario@example.org")] == message.author_id


def test_a_redelivered_mail_stores_its_attachments_only_once(mailbox: Mailbox) -> None:
    # Given a mail with an attachment, received once
    mail = compose(subject="Invoice")
    mail.add_attachment(b"%PDF-1.4 invoice", maintype="application", subtype="pdf", filename="invoice.pdf")
    mailbox.deliver(mail)

    # When SES delivers it again
    report = mailbox.deliver(mail)

    # Then it is a duplicate that keeps no second copy of the attachment
    assert report.result is Result.DUPLICATE
    assert len([key for key in mailbox.blobs.objects if key.startswith("attachments/")]) == 1


def test_an_authenticated_sender_is_not_tagged_unverified() -> None:
    # Given a mail whose sender SES authenticated
    mailbox = Mailbox()

    # When it opens a ticket
    number, _ = mailbox.open_ticket()

    # Then the ticket carries no "unverified" tag (only mail SES could not authenticate does)
    assert UNVERIFIED_TAG not in mailbox.desk.repo.get(number).tags


def test_attachments_beyond_what_a_message_keeps_are_counted_not_stored() -> None:
    # Given a mail with two attachments more than a message keeps
    mail = compose(subject="Scans")
    for index in range(MAX_ATTACHMENTS_PER_MESSAGE + 2):
        mail.add_attachment(
            f"page {index}".encode(), maintype="text", subtype="plain", filename=f"p{index}.txt"
        )
    mailbox = Mailbox()

    # When it arrives
    number = mailbox.deliver(mail).ticket_number
    assert number is not None

    # Then the first ones are kept, and the message says how many more there were
    [message] = mailbox.desk.messages(number)
    assert len(message.attachments) == MAX_ATTACHMENTS_PER_MESSAGE
    assert message.omitted_attachments == 2
    assert (
        len([key for key in mailbox.blobs.objects if key.startswith("attachments/")])
        == MAX_ATTACHMENTS_PER_MESSAGE
    )


def test_a_mail_whose_attachments_all_fit_omits_none() -> None:
    # Given a mail with two attachments, When it arrives, Then both are kept and none is counted missing
    mail = compose(subject="Two scans")
    for index in range(2):
        mail.add_attachment(b"scan", maintype="image", subtype="png", filename=f"s{index}.png")
    mailbox = Mailbox()
    number = mailbox.deliver(mail).ticket_number
    assert number is not None
    [message] = mailbox.desk.messages(number)
    assert (len(message.attachments), message.omitted_attachments) == (2, 0)


def test_mails_without_a_message_id_are_told_apart_by_their_content() -> None:
    # Given two different mails, neither with a Message-ID
    first, second = compose(body="Il primo messaggio."), compose(body="Un altro messaggio.")
    for mail in (first, second):
        del mail["Message-ID"]
    mailbox = Mailbox()

    # When both arrive, and the first arrives again
    results = [mailbox.deliver(mail).result for mail in (first, second, first)]

    # Then each opens its ticket, and only the true redelivery is a duplicate
    assert results == [Result.TICKET_CREATED, Result.TICKET_CREATED, Result.DUPLICATE]
