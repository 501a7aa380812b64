"""Who may post into which ticket by email: the trust policy of the README's "threading and safety"."""

from __future__ import annotations

import pytest

from sportello.customers.model import Identity, IdentityKind
from sportello.intake.email import MAX_REFERENCES, UNVERIFIED_TAG, Report, Result, Verdicts
from sportello.tickets.events import EventKind
from sportello.tickets.model import Channel, Status
from sportello.tickets.service import Outcome, TicketChanges
from tests.unit.intake.builders import AGENT, PASS, TELEGRAM_CHAT, WHATSAPP_SENDER, Mailbox, compose

GRAY = Verdicts()  # SES found no SPF, DKIM or DMARC at all
OURS = "our-reply-1@desk.example.com"
COLLEAGUE = "Luisa Bianchi <luisa@example.org>"


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox()


def solved_ticket_with_our_reply(mailbox: Mailbox) -> int:
    """Mario's ticket, answered by us with the Message-ID OURS, then solved."""
    number, _ = mailbox.open_ticket()
    mailbox.desk.service.remember_outbound_ref(OURS, number)
    version = mailbox.desk.repo.get(number).version
    mailbox.desk.service.update(number, AGENT, TicketChanges(status=Status.SOLVED), version)
    mailbox.desk.clock.advance(minutes=5)
    return number


def linked_to(mailbox: Mailbox, number: int) -> list[tuple[int, str]]:
    events = mailbox.desk.events(number, EventKind.TICKET_LINKED)
    return [(event.data["linked_to"], event.data["evidence"]) for event in events]


# --- what authenticates a sender -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spf", "dkim", "dmarc", "authenticated"),
    [
        ("PASS", "PASS", "PASS", True),
        ("GRAY", "GRAY", "PASS", True),  # DMARC passing is enough: it needs an aligned SPF or DKIM pass
        ("FAIL", "PASS", "PASS", True),  # forwarded mail: SPF breaks, the aligned DKIM signature holds
        ("PASS", "GRAY", "GRAY", True),
        ("GRAY", "PASS", "GRAY", True),
        ("GRAY", "GRAY", "GRAY", False),  # nothing checked is nothing proven
        ("PASS", "FAIL", "GRAY", False),
        ("PASS", "PASS", "FAIL", False),
        ("PROCESSING_FAILED", "GRAY", "GRAY", False),
    ],
)
def test_a_sender_is_authenticated_by_dmarc_pass_or_spf_or_dkim_pass_with_no_fail(
    spf: str, dkim: str, dmarc: str, authenticated: bool
) -> None:
    assert Verdicts(spf=spf, dkim=dkim, dmarc=dmarc).sender_authenticated is authenticated


def test_gray_verdicts_never_thread_into_an_existing_ticket(mailbox: Mailbox) -> None:
    # Given Mario's solved ticket, and a mail "from Mario" quoting our reply, subject tag and all,
    # from a domain that publishes no SPF, DKIM or DMARC (anyone can write that From line)
    number = solved_ticket_with_our_reply(mailbox)
    forged = compose(subject=f"Re: [#{number}] Cannot log in", In_Reply_To=f"<{OURS}>")

    # When it arrives
    report = mailbox.deliver(forged, GRAY)

    # Then it opens a new ticket, tagged unverified-sender, unacknowledged, linked to the solved one,
    # which neither gains a message nor reopens
    assert report == Report(Result.TICKET_CREATED, 2)
    assert mailbox.desk.repo.get(2).tags == [UNVERIFIED_TAG]
    assert linked_to(mailbox, 2) == [(number, "message_id")]
    assert [t.number for t in mailbox.desk.outbound.acknowledgements] == [number]
    assert len(mailbox.desk.messages(number)) == 1
    assert mailbox.desk.repo.get(number).status is Status.SOLVED


# --- Message-IDs: only mail's, and by whom ----------------------------------------------------------------


def test_our_message_id_quoted_by_the_authenticated_requester_reopens_their_solved_ticket(
    mailbox: Mailbox,
) -> None:
    number = solved_ticket_with_our_reply(mailbox)

    report = mailbox.deliver(compose(subject="Re: solved?", In_Reply_To=f"<{OURS}>"))

    assert report == Report(Result.REPLY_ADDED, number)
    assert mailbox.desk.repo.get(number).status is Status.OPEN


def test_our_message_id_quoted_by_someone_else_threads_as_a_third_party_without_reopening(
    mailbox: Mailbox,
) -> None:
    # Given Mario's solved ticket, and his colleague Luisa, in copy of our reply, who answers all
    number = solved_ticket_with_our_reply(mailbox)

    # When her authenticated mail arrives
    report = mailbox.deliver(compose(sender=COLLEAGUE, subject="Re: solved", References=f"<{OURS}>"))

    # Then it is kept on the ticket as hers, marked as a third party's, and the ticket stays solved
    assert report == Report(Result.REPLY_ADDED, number)
    reply = mailbox.desk.messages(number)[-1]
    luisa = mailbox.desk.customers.customer_id_for(Identity.email("luisa@example.org"))
    assert (reply.author_id, reply.author_name) == (luisa, "Luisa Bianchi")
    assert reply.author_id != mailbox.desk.repo.get(number).requester.id
    added = mailbox.desk.events(number, EventKind.MESSAGE_ADDED)[-1]
    assert added.data["third_party"] is True
    assert mailbox.desk.repo.get(number).status is Status.SOLVED


def test_a_reply_address_used_by_someone_else_threads_as_a_third_party_without_reopening(
    mailbox: Mailbox,
) -> None:
    number = solved_ticket_with_our_reply(mailbox)
    reply_to = mailbox.tokens.address(number)

    report = mailbox.deliver(compose(sender=COLLEAGUE, subject="forwarded to me", To=reply_to))

    assert report == Report(Result.REPLY_ADDED, number)
    assert mailbox.desk.events(number, EventKind.MESSAGE_ADDED)[-1].data["third_party"] is True
    assert mailbox.desk.repo.get(number).status is Status.SOLVED


def test_a_subject_tag_from_anyone_but_the_requester_opens_a_new_ticket_linked_to_it(
    mailbox: Mailbox,
) -> None:
    number = solved_ticket_with_our_reply(mailbox)

    report = mailbox.deliver(compose(sender="eve@example.net", subject=f"Re: [#{number}] let me in"))

    assert report == Report(Result.TICKET_CREATED, 2)
    assert linked_to(mailbox, 2) == [(number, "subject_tag")]
    assert len(mailbox.desk.messages(number)) == 1
    assert mailbox.desk.repo.get(number).status is Status.SOLVED


@pytest.mark.parametrize(
    ("channel", "identity", "ref"),
    [
        (Channel.TELEGRAM, Identity(IdentityKind.TELEGRAM, TELEGRAM_CHAT), "telegram:1111111:42"),
        (Channel.WHATSAPP, Identity(IdentityKind.PHONE, WHATSAPP_SENDER), "whatsapp:wamid.HBgLMzkzNDc"),
    ],
    ids=["telegram", "whatsapp"],
)
def test_a_mail_never_threads_by_a_messaging_providers_id(
    mailbox: Mailbox, channel: Channel, identity: Identity, ref: str
) -> None:
    # Given a chat ticket whose message we know by its provider id
    chat = mailbox.desk.receive(channel, identity, "hello from the app", ref)
    assert chat.ticket is not None

    # When a mail quotes that id (guessable: a chat id and a counter) in References and In-Reply-To
    report = mailbox.deliver(compose(subject="Re: hello", References=f"<{ref}>", In_Reply_To=f"<{ref}>"))

    # Then the mail opens its own ticket; the chat's ticket is untouched
    assert report == Report(Result.TICKET_CREATED, chat.ticket.number + 1)
    assert len(mailbox.desk.messages(chat.ticket.number)) == 1


def test_a_mail_cannot_claim_a_messaging_providers_id_as_its_message_id(mailbox: Mailbox) -> None:
    # Given a mail whose Message-ID is the id a WhatsApp message will arrive with
    mail = compose()
    mail.replace_header("Message-ID", "<whatsapp:wamid.next>")
    mailbox.deliver(mail)

    # When that WhatsApp message arrives
    receipt = mailbox.desk.receive(
        Channel.WHATSAPP, Identity(IdentityKind.PHONE, WHATSAPP_SENDER), "hi", "whatsapp:wamid.next"
    )

    # Then it is not mistaken for a redelivery: it opens its ticket
    assert receipt.outcome is Outcome.CREATED


# --- bounded work --------------------------------------------------------------------------------------


def test_only_the_newest_references_are_read_and_in_one_batch(mailbox: Mailbox) -> None:
    # Given Mario's ticket, and a reply whose References list 10,000 ids, ours the newest
    number, _ = mailbox.open_ticket()
    mailbox.desk.service.remember_outbound_ref(OURS, number)
    junk = " ".join(f"<junk-{n}@example.org>" for n in range(10_000))
    reads_before = mailbox.desk.repo.batch_reads

    report = mailbox.deliver(compose(subject="Re: again", References=f"{junk} <{OURS}>"))

    # Then it threads, with a single batch read
    assert report == Report(Result.REPLY_ADDED, number)
    assert mailbox.desk.repo.batch_reads - reads_before == 1


def test_a_reference_older_than_the_newest_fifty_threads_nothing(mailbox: Mailbox) -> None:
    number, _ = mailbox.open_ticket()
    mailbox.desk.service.remember_outbound_ref(OURS, number)
    newer = " ".join(f"<junk-{n}@example.org>" for n in range(MAX_REFERENCES))

    report = mailbox.deliver(compose(subject="Re: again", References=f"<{OURS}> {newer}"))

    assert report == Report(Result.TICKET_CREATED, number + 1)


def test_an_unauthenticated_requester_never_reopens_a_solved_ticket(mailbox: Mailbox) -> None:
    number = solved_ticket_with_our_reply(mailbox)

    report = mailbox.deliver(
        compose(subject="Re: solved?", In_Reply_To=f"<{OURS}>"), Verdicts(spf="PASS", dkim="FAIL")
    )

    assert report.result is Result.TICKET_CREATED
    assert mailbox.desk.repo.get(number).status is Status.SOLVED


def test_a_reply_costs_one_lookup_and_one_read_of_its_ticket(mailbox: Mailbox, monkeypatch) -> None:
    # Given Mario's ticket
    number, first = mailbox.open_ticket()
    repo = mailbox.desk.repo
    reads: list[int] = []
    read = repo.get
    monkeypatch.setattr(repo, "get", lambda n: reads.append(n) or read(n))
    lookups = repo.lookups

    # When he replies to his own mail
    reply = compose(subject="Re: again", In_Reply_To=first["Message-ID"])
    mailbox.blobs.put("inbound/reply", bytes(reply), "message/rfc822")
    report = mailbox.receiver.receive("inbound/reply", PASS)  # the receiver alone: no routing after it

    # Then one lookup found the thread and him, and the ticket read to check the thread is the one written
    assert report == Report(Result.REPLY_ADDED, number)
    assert (repo.lookups - lookups, reads) == (1, [number])
    assert [m.text for m in mailbox.desk.messages(number)][-1].startswith("Hi")
