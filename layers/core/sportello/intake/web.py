"""The desk's own channels: the public web form and the embeddable chat widget."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ..clock import utc_now
from ..customers.model import Identity, IdentityKind
from ..email.addresses import UnanswerableAddressError, sendable_address
from ..errors import ForbiddenError, InvalidRequestError, RateLimitedError
from ..ids import new_id
from ..language import detect_language
from ..ports import BlobStore, RateLimiter
from ..tickets.inbound import InboundMessage
from ..tickets.model import AttachmentRef, AuthorType, Channel, Message, Ticket
from ..tickets.service import TicketService
from .email import UNVERIFIED_TAG
from .keeping import keep_attachment

FORM_LIMIT_PER_HOUR = 5
CHAT_LIMIT_PER_MINUTE = 20
MAX_FORM_BYTES = 10 * 1024 * 1024
CHAT_SESSION_SECONDS = 30 * 24 * 3600


def _one_line(text: str) -> str:
    """A header-bound field (a name, a subject) on one line: a CR or LF would break the mail it goes in."""
    return " ".join(text.split())


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class WebForm:
    name: str
    email: str
    subject: str
    message: str
    honeypot: str = ""  # a field people never see: only bots fill it in
    uploads: tuple[Upload, ...] = ()


@dataclass(frozen=True)
class ChatSession:
    visitor_id: str
    token: str
    expires_at: int


class ChatTokens:
    """Signed chat sessions: `<visitor>.<expiry>.<hmac>`, so the widget needs no account."""

    def __init__(self, secret: str, clock: Callable[[], float] = time.time) -> None:
        self._key = hashlib.sha256(f"chat-session:{secret}".encode()).digest()
        self._clock = clock

    def _sign(self, visitor_id: str, expires_at: int) -> str:
        digest = hmac.new(self._key, f"{visitor_id}.{expires_at}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:18]).decode()

    def issue(self, visitor_id: str) -> ChatSession:
        expires_at = int(self._clock()) + CHAT_SESSION_SECONDS
        return ChatSession(
            visitor_id, f"{visitor_id}.{expires_at}.{self._sign(visitor_id, expires_at)}", expires_at
        )

    def visitor(self, token: str) -> str:
        parts = token.strip().split(".")
        if len(parts) != 3 or not parts[1].isdigit():
            raise ForbiddenError("not a chat session token")
        visitor_id, expiry, signature = parts
        if not hmac.compare_digest(signature, self._sign(visitor_id, int(expiry))):
            raise ForbiddenError("the chat session token is not valid")
        if int(expiry) < self._clock():
            raise ForbiddenError("the chat session has expired; start a new one")
        return visitor_id


class WebDesk:
    def __init__(
        self,
        tickets: TicketService,
        blobs: BlobStore,
        limiter: RateLimiter,
        chat_tokens: ChatTokens,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._tickets = tickets
        self._blobs = blobs
        self._limiter = limiter
        self._chat_tokens = chat_tokens
        self._clock = clock

    def _limit(self, key: str, limit: int, window_seconds: int) -> None:
        if not self._limiter.allow(key, limit, window_seconds):
            raise RateLimitedError("too many requests; try again later")

    def submit_form(self, form: WebForm, source_ip: str) -> Ticket | None:
        """Opens a ticket from the contact form (replies go by email); None for a bot's submission."""
        if form.honeypot.strip():
            return None  # answer as if accepted: a bot learns nothing
        self._limit(f"form:{source_ip}", FORM_LIMIT_PER_HOUR, 3600)
        if not form.email.strip() or not form.message.strip():
            raise InvalidRequestError("an email address and a message are required")
        try:
            # Before anything is written: a ticket no reply can reach would answer 500 after its write.
            sendable_address(form.email.strip())
        except UnanswerableAddressError as error:
            raise InvalidRequestError(str(error)) from error
        if sum(len(u.content) for u in form.uploads) > MAX_FORM_BYTES:
            raise InvalidRequestError("attachments may total 10 MB at most")
        identity = Identity.email(form.email)
        # Anyone may type any address. A new one gets its acknowledgement (how a visitor learns the
        # ticket number); a customer we know gets no mail with a stranger's subject, and agents see the tag.
        known_customer = self._tickets.customer_for(identity) is not None
        message_id = new_id()
        receipt = self._tickets.receive(
            InboundMessage(
                id=message_id,
                channel=Channel.WEB,
                identity=identity,
                sender_name=_one_line(form.name),
                subject=_one_line(form.subject) or _one_line(form.message.strip().split("\n", 1)[0])[:80],
                text=form.message.strip(),
                full_text=form.message.strip(),
                received_at=self._clock(),
                external_ids=(f"web:{message_id}",),
                attachments=self._store(message_id, form.uploads),
                language=detect_language(f"{form.subject}\n{form.message}"),
                sender_verified=not known_customer,
                tags=(UNVERIFIED_TAG,) if known_customer else (),
            )
        )
        return receipt.ticket

    def _store(self, message_id: str, uploads: tuple[Upload, ...]) -> tuple[AttachmentRef, ...]:
        return tuple(
            keep_attachment(
                self._blobs, message_id, index, upload.filename, upload.content_type, upload.content
            )
            for index, upload in enumerate(uploads, start=1)
        )

    def start_chat(self, source_ip: str) -> ChatSession:
        self._limit(f"chat-start:{source_ip}", CHAT_LIMIT_PER_MINUTE, 60)
        return self._chat_tokens.issue(new_id())

    def post_chat(self, token: str, text: str, name: str, source_ip: str) -> Message:
        visitor = self._chat_tokens.visitor(token)
        self._limit(f"chat:{visitor}", CHAT_LIMIT_PER_MINUTE, 60)
        body = text.strip()
        if not body or len(body) > 5000:
            raise InvalidRequestError("a chat message has 1 to 5000 characters")
        identity = Identity(IdentityKind.CHAT, visitor)
        message_id = new_id()
        receipt = self._tickets.receive(
            InboundMessage(
                id=message_id,
                channel=Channel.CHAT,
                identity=identity,
                sender_name=name or "Visitor",
                subject=body.split("\n", 1)[0][:80],
                text=body,
                full_text=body,
                received_at=self._clock(),
                external_ids=(f"chat:{message_id}",),
                language=detect_language(body),
                # The service finds (or, once, atomically opens) the visitor's open conversation.
                continues_conversation=True,
                channel_address=visitor,
            )
        )
        assert receipt.message is not None
        return receipt.message

    def chat_history(self, token: str) -> list[Message]:
        """The visitor's conversation as they see it: public messages only, oldest first."""
        number = self._conversation(self._chat_tokens.visitor(token))
        if number is None:
            return []
        return [
            m
            for m in self._tickets.history(number).messages
            if m.public and m.author_type is not AuthorType.SYSTEM
        ]

    def _conversation(self, visitor: str) -> int | None:
        customer = self._tickets.customer_for(Identity(IdentityKind.CHAT, visitor))
        return self._tickets.open_conversation(customer, Channel.CHAT) if customer else None
