"""WebDesk: the contact form and the chat widget, on the fakes."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pytest

from sportello.errors import ForbiddenError, InvalidRequestError
from sportello.intake.email import UNVERIFIED_TAG
from sportello.intake.web import CHAT_SESSION_SECONDS, ChatTokens, RateLimitedError, Upload, WebDesk, WebForm
from sportello.tickets.model import AuthorType, Channel, Status
from sportello.tickets.service import TicketChanges
from tests.fakes import CountingRateLimiter, InMemoryBlobStore
from tests.unit.intake.builders import AGENT, Desk

FORM = WebForm(name="Giulia", email="Giulia@Example.org", subject="Refund", message="I would like a refund.")


@dataclass
class WindowLimiter(CountingRateLimiter):
    """Counts as CountingRateLimiter does, and remembers the windows it was asked about."""

    windows: dict[str, tuple[int, int]] = field(default_factory=dict)

    def allow(self, key: str, limit: int, window_seconds: int) -> bool:
        self.windows[key] = (limit, window_seconds)
        return super().allow(key, limit, window_seconds)


class Site:
    def __init__(self) -> None:
        self.desk = Desk()
        self.blobs = InMemoryBlobStore()
        self.limiter = WindowLimiter()
        self.tokens = ChatTokens("test-chat-secret", lambda: self.desk.clock().timestamp())
        self.web = WebDesk(self.desk.service, self.blobs, self.limiter, self.tokens, self.desk.clock)


@pytest.fixture
def site() -> Site:
    return Site()


# --- the contact form ----------------------------------------------------------------------------------


def test_a_form_opens_a_web_ticket_with_its_attachments(site: Site) -> None:
    # Given a form with two uploads
    uploads = (Upload("receipt.pdf", "application/pdf", b"%PDF"), Upload("", "image/png", b"\x89PNG"))

    # When it is submitted
    ticket = site.web.submit_form(replace(FORM, uploads=uploads), "203.0.113.7")

    # Then a web ticket opens for the sender's address, its message holding both files as stored
    assert ticket is not None
    assert (ticket.channel, ticket.subject, ticket.requester.email) == (
        Channel.WEB,
        "Refund",
        "giulia@example.org",
    )
    [message] = site.desk.messages(ticket.number)
    assert message.text == "I would like a refund."
    keys = [a.key for a in message.attachments]
    assert keys == [f"attachments/{message.id}/1-receipt.pdf", f"attachments/{message.id}/2-attachment-2"]
    assert site.blobs.objects[keys[0]] == (b"%PDF", "application/pdf")
    assert site.blobs.objects[keys[1]] == (b"\x89PNG", "image/png")


def test_a_form_with_the_honeypot_filled_opens_no_ticket(site: Site) -> None:
    # Given a form a bot filled in, hidden field included
    bot = WebForm(
        name="x", email="bot@example.net", subject="cheap", message="buy now", honeypot="http://spam"
    )

    # When it is submitted, Then it is answered as accepted, but nothing is made of it
    assert site.web.submit_form(bot, "198.51.100.9") is None
    assert site.desk.repo.tickets == {}
    assert site.desk.customer_repo.customers == {}


def test_the_sixth_form_from_one_address_in_an_hour_is_refused(site: Site) -> None:
    # Given five forms from one address
    for _ in range(5):
        assert site.web.submit_form(FORM, "203.0.113.7") is not None

    # When a sixth comes from it, Then it is refused, while another address is still served
    with pytest.raises(RateLimitedError):
        site.web.submit_form(FORM, "203.0.113.7")
    assert site.web.submit_form(FORM, "203.0.113.8") is not None
    assert len(site.desk.repo.tickets) == 6
    assert site.limiter.windows["form:203.0.113.7"] == (5, 3600)


@pytest.mark.parametrize(
    "address",
    [
        "not-an-address",
        "giulia@example.org\r\nBcc: everyone@example.net",
        "giulia @example.org",
        "üser@example.org",  # SES sends to no SMTPUTF8 mailbox
        "giulia@",
        "giulia@localhost",
    ],
)
def test_a_form_with_an_address_no_reply_could_reach_is_refused_before_anything_is_written(
    site: Site, address: str
) -> None:
    with pytest.raises(InvalidRequestError):
        site.web.submit_form(replace(FORM, email=address), "203.0.113.7")

    assert site.desk.repo.tickets == {}
    assert site.desk.customer_repo.customers == {}
    assert site.desk.outbound.acknowledgements == []


def test_a_form_with_an_internationalised_domain_opens_its_ticket(site: Site) -> None:
    ticket = site.web.submit_form(replace(FORM, email="giulia@exämple.org"), "203.0.113.7")

    assert ticket is not None and ticket.requester.email == "giulia@exämple.org"
    site.desk.route()
    assert [t.number for t in site.desk.outbound.acknowledgements] == [ticket.number]


def test_line_breaks_in_a_forms_name_and_subject_never_reach_a_header(site: Site) -> None:
    form = replace(FORM, name="Giulia\r\nBcc: x@example.net", subject="Refund\r\nX-Evil: 1")

    ticket = site.web.submit_form(form, "203.0.113.7")

    assert ticket is not None
    assert (ticket.subject, ticket.requester.name) == ("Refund X-Evil: 1", "Giulia Bcc: x@example.net")


def test_a_form_under_a_known_customers_address_is_tagged_unverified_and_not_acknowledged(
    site: Site,
) -> None:
    # Given Giulia, a customer who wrote to us before
    first = site.web.submit_form(FORM, "203.0.113.7")
    assert first is not None and first.tags == []

    # When someone submits the form with her address and a subject of their choosing
    ticket = site.web.submit_form(
        replace(FORM, subject="Send my invoices to eve@example.net"), "198.51.100.1"
    )

    # Then the ticket is hers, tagged unverified-sender, and she gets no mail with that subject
    assert ticket is not None and ticket.requester.id == first.requester.id
    assert ticket.tags == [UNVERIFIED_TAG]
    site.desk.route()
    assert [t.number for t in site.desk.outbound.acknowledgements] == [first.number]


# --- chat sessions ------------------------------------------------------------------------------------


def test_an_issued_chat_session_names_its_visitor(site: Site) -> None:
    session = site.web.start_chat("203.0.113.7")

    assert site.tokens.visitor(session.token) == session.visitor_id
    assert session.expires_at == int(site.desk.clock().timestamp()) + CHAT_SESSION_SECONDS


def _tampered(token: str) -> list[str]:
    visitor, expiry, signature = token.split(".")
    other_signature = ("A" if signature[0] != "A" else "B") + signature[1:]
    return [
        f"{visitor}x.{expiry}.{signature}",  # another visitor
        f"{visitor}.{int(expiry) + 86400}.{signature}",  # a longer life
        f"{visitor}.{expiry}.{other_signature}",  # a forged signature
        f"{visitor}.{expiry}",
        "not-a-token",
    ]


@pytest.mark.parametrize("variant", range(5))
def test_a_tampered_chat_token_is_forbidden(site: Site, variant: int) -> None:
    # Given a session token changed in one part
    token = _tampered(site.web.start_chat("203.0.113.7").token)[variant]

    # When it is used, Then it is refused, for writing and for reading alike
    with pytest.raises(ForbiddenError):
        site.web.post_chat(token, "Hello", "Giulia", "203.0.113.7")
    with pytest.raises(ForbiddenError):
        site.web.chat_history(token)
    assert site.desk.repo.tickets == {}


def test_an_expired_chat_token_is_forbidden(site: Site) -> None:
    # Given a session whose 30 days have passed
    session = site.web.start_chat("203.0.113.7")
    site.desk.clock.advance(seconds=CHAT_SESSION_SECONDS + 1)

    # When it is used, Then it is refused
    with pytest.raises(ForbiddenError, match="expired"):
        site.web.post_chat(session.token, "Hello again", "Giulia", "203.0.113.7")


# --- chat conversations --------------------------------------------------------------------------------


def test_chat_messages_continue_the_visitors_open_conversation(site: Site) -> None:
    # Given a visitor who started a chat, and another visitor
    mine, theirs = site.web.start_chat("203.0.113.7"), site.web.start_chat("203.0.113.8")
    first = site.web.post_chat(mine.token, "Hello", "Giulia", "203.0.113.7")
    site.desk.clock.advance(minutes=1)

    # When both write
    second = site.web.post_chat(mine.token, "Are you there?", "Giulia", "203.0.113.7")
    other = site.web.post_chat(theirs.token, "Hi", "", "203.0.113.8")

    # Then the visitor's messages share one chat ticket, addressed to them; the other visitor has their own
    assert first.ticket_number == second.ticket_number != other.ticket_number
    ticket = site.desk.repo.get(first.ticket_number)
    assert (ticket.channel, ticket.channel_address) == (Channel.CHAT, mine.visitor_id)
    assert [m.text for m in site.desk.messages(ticket.number)] == ["Hello", "Are you there?"]


def test_a_chat_after_the_conversation_was_solved_opens_a_new_ticket(site: Site) -> None:
    # Given a visitor whose chat ticket an agent solved
    session = site.web.start_chat("203.0.113.7")
    first = site.web.post_chat(session.token, "Hello", "Giulia", "203.0.113.7")
    ticket = site.desk.repo.get(first.ticket_number)
    site.desk.service.update(ticket.number, AGENT, TicketChanges(status=Status.SOLVED), ticket.version)

    # When the visitor writes again
    again = site.web.post_chat(session.token, "One more question", "Giulia", "203.0.113.7")

    # Then a new conversation starts
    assert again.ticket_number != first.ticket_number


def test_chat_history_shows_public_messages_only(site: Site) -> None:
    # Given a chat with the visitor's message, an agent's answer and an internal note
    session = site.web.start_chat("203.0.113.7")
    number = site.web.post_chat(session.token, "Hello", "Giulia", "203.0.113.7").ticket_number
    site.desk.clock.advance(minutes=1)
    site.desk.service.reply(number, AGENT, "Hi Giulia, how can I help?", public=True)
    site.desk.clock.advance(minutes=1)
    site.desk.service.reply(number, AGENT, "Internal: she asked last week too", public=False)

    # When the visitor reads the conversation
    history = site.web.chat_history(session.token)

    # Then they see the public messages, oldest first, and never the note
    assert [(m.author_type, m.text) for m in history] == [
        (AuthorType.CUSTOMER, "Hello"),
        (AuthorType.AGENT, "Hi Giulia, how can I help?"),
    ]


def test_a_visitor_without_a_conversation_has_an_empty_history(site: Site) -> None:
    # Given a conversation of one visitor
    mine = site.web.start_chat("203.0.113.7")
    site.web.post_chat(mine.token, "Hello", "Giulia", "203.0.113.7")

    # When another visitor reads theirs, Then it is empty
    assert site.web.chat_history(site.web.start_chat("203.0.113.8").token) == []
