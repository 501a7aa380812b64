"""The email channel's inbound pipeline: from a raw mail SES stored to a ticket, event or quarantine.

Small steps in a fixed order, as Zammad's filters: verdicts, parse, loops, bounces, threading,
then the ticket service. Whatever goes wrong, the raw mail stays in S3 and a quarantine record says
why, so nothing is lost and nothing crash-loops.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from ..clock import utc_now
from ..customers.model import Identity, IdentityOwner
from ..email.addresses import UnanswerableAddressError, sendable_address
from ..email.compose import strip_reply_prefixes, ticket_number_in_subject
from ..email.mime import is_mail_message_id
from ..email.parsing import EmailParseError, ParsedEmail, parse_email
from ..email.tokens import ReplyTokens
from ..errors import DomainError, InvalidRequestError
from ..ids import stable_id
from ..language import SUPPORTED_LANGUAGES, detect_language
from ..metrics import NO_METRICS, ingest_failed
from ..ports import BlobStore, Metrics
from ..quarantine import Quarantine
from ..tickets.events import DeliveryFailed, DeliveryReported, Payload
from ..tickets.inbound import InboundMessage, TicketLink
from ..tickets.model import AttachmentRef, Channel, Ticket
from ..tickets.ports import MessageRef
from ..tickets.service import MAX_ATTACHMENTS_PER_MESSAGE, Outcome, TicketService
from .keeping import keep_attachment, quarantine_raw

logger = logging.getLogger(__name__)

UNVERIFIED_TAG = "unverified-sender"
MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024
# Clients append to References; the newest ids name the thread, the oldest are only history.
MAX_REFERENCES = 50
# Refs a mail may quote: its tickets' mail in either direction (a bounce's own id threads nothing).
MAIL_DIRECTIONS = frozenset({"inbound", "outbound"})


class Evidence(StrEnum):
    """What points a mail at an existing ticket, from the hardest to forge to the easiest."""

    MESSAGE_ID = "message_id"  # it quotes a Message-ID of the ticket's mail (ours or the requester's)
    # it was sent to the ticket's signed reply+<n>.<hmac>@ address (the name of a kind, not a secret)
    REPLY_TOKEN = "reply_token"  # noqa: S105
    SUBJECT_TAG = "subject_tag"  # its subject carries "[#N]", which anyone can type


@dataclass(frozen=True)
class Pointer:
    ticket: int
    evidence: Evidence


@dataclass(frozen=True)
class Threading:
    """Where a mail goes: onto `ticket` (as the requester or as a third party), or a new ticket."""

    ticket: int | None = None
    third_party: bool = False
    linked_to: TicketLink | None = None
    # `ticket` as read to decide: the base of the write that adds the mail (no second read).
    read: Ticket | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Verdicts:
    """What SES found when it received the mail (PASS, FAIL, GRAY or PROCESSING_FAILED)."""

    spam: str = "GRAY"
    virus: str = "GRAY"
    spf: str = "GRAY"
    dkim: str = "GRAY"
    dmarc: str = "GRAY"
    recipients: tuple[str, ...] = ()

    @property
    def sender_authenticated(self) -> bool:
        """DMARC PASS, or SPF or DKIM PASS with no FAIL among the three.

        GRAY (nothing published, nothing checked) proves nothing: it is not authentication.
        """
        spf, dkim, dmarc = self.spf.upper(), self.dkim.upper(), self.dmarc.upper()
        if dmarc == "PASS":
            return True
        return "FAIL" not in (spf, dkim, dmarc) and "PASS" in (spf, dkim)


class Result(StrEnum):
    TICKET_CREATED = "ticket_created"
    REPLY_ADDED = "reply_added"
    FOLLOW_UP = "follow_up"
    SYSTEM_EVENT = "system_event"
    QUARANTINED = "quarantined"
    DUPLICATE = "duplicate"


@dataclass(frozen=True)
class Report:
    result: Result
    ticket_number: int | None = None
    reason: str | None = None


class QuarantineError(Exception):
    """Stops the pipeline: the mail is kept, with this reason, for a human to look at."""


class EmailReceiver:
    def __init__(
        self,
        service: TicketService,
        quarantine: Quarantine,
        blobs: BlobStore,
        tokens: ReplyTokens,
        own_addresses: tuple[str, ...],
        clock: Callable[[], datetime] = utc_now,
        metrics: Metrics = NO_METRICS,
    ) -> None:
        self._metrics = metrics
        self._service = service
        self._quarantine = quarantine
        self._blobs = blobs
        self._tokens = tokens
        self._own_addresses = {address.lower() for address in own_addresses}
        self._clock = clock

    def receive(self, raw_key: str, verdicts: Verdicts) -> Report:
        raw = self._blobs.get(raw_key)
        parsed: ParsedEmail | None = None
        try:
            parsed = self._parse(raw, verdicts)
            return self._route(raw_key, parsed, verdicts)
        except QuarantineError as stop:
            return self._keep(raw_key, str(stop), parsed)
        except (DomainError, EmailParseError) as error:
            return self._keep(raw_key, str(error), parsed)
        except Exception as error:
            logger.exception("processing %s failed", raw_key)
            ingest_failed(self._metrics)
            return self._keep(raw_key, f"processing failed: {type(error).__name__}: {error}", parsed)

    def _parse(self, raw: bytes, verdicts: Verdicts) -> ParsedEmail:
        if verdicts.virus.upper() == "FAIL":
            raise QuarantineError("SES virus scan: FAIL")
        if verdicts.spam.upper() == "FAIL":
            raise QuarantineError("SES spam filter: FAIL")
        try:
            parsed = parse_email(raw)
        except EmailParseError as error:
            raise QuarantineError(f"unreadable mail: {error}") from error
        if parsed.unread_parts:
            # A ticket would show an empty or partial message without a word: a human reads the raw mail.
            raise QuarantineError(f"partly unreadable mail: {parsed.unread_parts}")
        return parsed

    def _keep(self, raw_key: str, reason: str, parsed: ParsedEmail | None) -> Report:
        sender = parsed.sender.email if parsed and parsed.sender else None
        subject = parsed.subject if parsed else None
        quarantine_raw(self._quarantine, raw_key, reason, Channel.EMAIL.value, self._clock(), sender, subject)
        logger.warning("quarantined %s: %s", raw_key, reason)
        return Report(Result.QUARANTINED, reason=reason)

    def _route(self, raw_key: str, parsed: ParsedEmail, verdicts: Verdicts) -> Report:
        if parsed.bounce is not None:
            return self._bounce(parsed)
        if parsed.sender is None or "@" not in parsed.sender.email:
            raise QuarantineError("the mail has no usable sender address")
        sender = parsed.sender.email
        if sender in self._own_addresses or self._tokens.ticket_number(sender) is not None:
            raise QuarantineError("mail loop: the sender is one of our own addresses")
        try:
            sendable_address(sender)
        except UnanswerableAddressError as error:
            raise QuarantineError(f"no reply could reach the sender: {error}") from error
        authenticated = verdicts.sender_authenticated
        digest = content_digest(parsed)
        mail_id = self._mail_id(parsed, digest)
        # One read for all that is looked up by key: the mail's own id (a redelivery), the ids it quotes
        # (its thread) and the sender's identity (who they are, and whether they own the thread).
        lookup = self._service.lookup([mail_id, *_quoted(parsed)], Identity.email(sender))
        pointer = self._pointer(parsed, verdicts, lookup.refs)
        threading = self._threading(pointer, authenticated, lookup.owner)
        tags = () if authenticated else (UNVERIFIED_TAG,)
        if threading.ticket is None and parsed.auto_submitted:
            raise QuarantineError(f"automatic mail that answers no ticket ({parsed.auto_submitted})")
        # Derived from the content: a redelivery stores its attachments under the same keys again, and
        # a different mail under a Message-ID seen before is told apart from a redelivery.
        message_id = stable_id(f"mail:{digest}")
        inbound = InboundMessage(
            id=message_id,
            channel=Channel.EMAIL,
            identity=Identity.email(sender),
            sender_name=parsed.sender.name,
            subject=strip_reply_prefixes(parsed.subject),
            text=parsed.display_text,
            full_text=parsed.text,
            html=parsed.html,
            received_at=self._clock(),
            external_ids=(mail_id,),
            attachments=self._store_attachments(message_id, parsed),
            # Counted, not stored: a mail with thousands of parts must not take minutes or fill S3.
            omitted_attachments=max(0, len(parsed.attachments) - MAX_ATTACHMENTS_PER_MESSAGE),
            language=_language(parsed),
            thread_ticket=threading.ticket,
            third_party=threading.third_party,
            linked_to=threading.linked_to,
            auto_submitted=parsed.auto_submitted,
            sender_verified=authenticated,
            tags=tags,
        )
        receipt = self._service.receive(inbound, lookup=lookup, base=threading.read)
        if receipt.outcome is Outcome.DUPLICATE:
            self._refuse_reused_message_id(mail_id, message_id)
        number = receipt.ticket.number if receipt.ticket else None
        result = {
            Outcome.CREATED: Result.TICKET_CREATED,
            Outcome.APPENDED: Result.REPLY_ADDED,
            Outcome.FOLLOW_UP: Result.FOLLOW_UP,
            Outcome.DUPLICATE: Result.DUPLICATE,
        }[receipt.outcome]
        logger.info("mail %s: %s (ticket %s)", raw_key, result.value, number)
        return Report(result, number)

    @staticmethod
    def _mail_id(parsed: ParsedEmail, digest: str) -> str:
        # Without a Message-ID the content itself identifies a redelivery of the same mail. An id
        # without "@" could be a provider's ("whatsapp:…"): claiming it would drop that message later.
        if parsed.message_id and is_mail_message_id(parsed.message_id):
            return parsed.message_id
        return f"{digest}@sportello.invalid"

    def _refuse_reused_message_id(self, mail_id: str, message_id: str) -> None:
        """A redelivery stored the same content under the Message-ID; anything else is a collision."""
        known = self._service.message_refs([mail_id]).get(mail_id)
        if known is not None and known.message_key is not None:
            stored = self._service.stored_message(known.ticket_number, known.message_key)
            if stored.id == message_id:
                return
        where = f"ticket #{known.ticket_number}" if known else "another message"
        raise QuarantineError(f"Message-ID <{mail_id}> already belongs to {where}, with other content")

    def _known_mail_refs(
        self, parsed: ParsedEmail, found: Mapping[str, MessageRef] | None = None
    ) -> list[MessageRef]:
        """The tickets' mail the mail quotes, newest first: the last `MAX_REFERENCES` ids, one batch read
        (or none, when `found` holds what the intake's lookup found of them)."""
        candidates = _quoted(parsed)
        if found is None:
            found = self._service.message_refs(candidates)
        return [found[ref] for ref in candidates if ref in found and found[ref].direction in MAIL_DIRECTIONS]

    def _pointer(
        self, parsed: ParsedEmail, verdicts: Verdicts, found: Mapping[str, MessageRef] | None = None
    ) -> Pointer | None:
        """The ticket the mail points at, by the strongest evidence it carries."""
        known = self._known_mail_refs(parsed, found)
        if known:
            return Pointer(known[0].ticket_number, Evidence.MESSAGE_ID)
        recipients = (*verdicts.recipients, *(a.email for a in parsed.to), *(a.email for a in parsed.cc))
        for recipient in recipients:
            number = self._tokens.ticket_number(recipient)
            if number is not None:
                return Pointer(number, Evidence.REPLY_TOKEN)
        tagged = ticket_number_in_subject(parsed.subject)
        return Pointer(tagged, Evidence.SUBJECT_TAG) if tagged is not None else None

    def _threading(
        self, pointer: Pointer | None, authenticated: bool, owner: IdentityOwner | None
    ) -> Threading:
        """The trust policy (README, "Email: threading and safety"): what each kind of evidence may do.

        - An unauthenticated sender never joins a ticket: a new one, linked to the one it points at.
        - The authenticated requester joins their ticket on any evidence (and may reopen it if solved).
        - Another authenticated sender holding a Message-ID or the reply address (someone in copy, a
          forwarded mail) joins as a third party, shown as such, and never changes the status.
        - Another sender with only a subject tag, which anyone can type: a new ticket, linked.
        """
        if pointer is None:
            return Threading()
        try:
            ticket = self._service.get(pointer.ticket)
        except DomainError:
            return Threading()  # a tag or token naming a ticket that does not exist: just a new mail
        link = TicketLink(ticket.number, pointer.evidence.value)
        if not authenticated:
            return Threading(linked_to=link)
        if owner is not None and owner.customer_id == ticket.requester.id:  # the sender's identity item
            return Threading(ticket.number, read=ticket)
        if pointer.evidence is Evidence.SUBJECT_TAG:
            return Threading(linked_to=link)
        return Threading(ticket.number, third_party=True, read=ticket)

    def _store_attachments(self, message_id: str, parsed: ParsedEmail) -> tuple[AttachmentRef, ...]:
        stored = []
        kept = parsed.attachments[:MAX_ATTACHMENTS_PER_MESSAGE]
        for index, attachment in enumerate(kept, start=1):
            if len(attachment.content) > MAX_ATTACHMENT_BYTES:
                raise InvalidRequestError(f"attachment {attachment.filename!r} is larger than 25 MB")
            stored.append(
                keep_attachment(
                    self._blobs,
                    message_id,
                    index,
                    attachment.filename,
                    attachment.content_type,
                    attachment.content,
                    content_id=attachment.content_id,
                    inline=attachment.inline,
                )
            )
        return tuple(stored)

    def _bounce(self, parsed: ParsedEmail) -> Report:
        bounce = parsed.bounce
        assert bounce is not None
        bounced = self._service.message_refs(
            [bounce.original_message_id] if bounce.original_message_id else []
        )
        found = [*bounced.values(), *self._known_mail_refs(parsed)]
        if not found:
            raise QuarantineError("delivery status notification for a message we do not know")
        number = found[0].ticket_number
        recipients, diagnostic = list(bounce.recipients), bounce.diagnostic[:500]
        original = bounce.original_message_id
        payload: Payload = (
            DeliveryFailed(
                recipients=recipients,
                status=bounce.status,
                diagnostic=diagnostic,
                original_message_id=original,
            )
            if bounce.action == "failed"
            else DeliveryReported(
                action=bounce.action,
                recipients=recipients,
                status=bounce.status,
                diagnostic=diagnostic,
                original_message_id=original,
            )
        )
        mail_id = self._mail_id(parsed, content_digest(parsed))
        if not self._service.record_once(number, mail_id, payload, self._clock()):
            return Report(Result.DUPLICATE, number)
        return Report(Result.SYSTEM_EVENT, number)


def _quoted(parsed: ParsedEmail) -> list[str]:
    """The mail ids the mail quotes, newest first: In-Reply-To, then the last `MAX_REFERENCES` References."""
    quoted = [*parsed.in_reply_to, *reversed(parsed.references[-MAX_REFERENCES:])]
    return list(dict.fromkeys(ref for ref in quoted if is_mail_message_id(ref)))


def content_digest(parsed: ParsedEmail) -> str:
    """What the sender wrote, hashed: the same for every copy of one mail, whatever trace headers the
    servers on its way added; different for a different mail that reuses a Message-ID."""
    digest = hashlib.sha256()
    sender = parsed.sender.email if parsed.sender else ""
    date = parsed.date.isoformat() if parsed.date else ""
    for field_value in (
        parsed.message_id or "",
        sender,
        parsed.subject,
        date,
        parsed.text,
        parsed.html or "",
    ):
        digest.update(field_value.encode("utf-8", "surrogatepass") + b"\0")
    for attachment in parsed.attachments:
        digest.update(f"{attachment.filename}\0".encode("utf-8", "surrogatepass"))
        digest.update(hashlib.sha256(attachment.content).digest())
    return digest.hexdigest()


def _language(parsed: ParsedEmail) -> str:
    declared = (parsed.content_language or "").split(",")[0].strip()[:2].lower()
    if declared in SUPPORTED_LANGUAGES:
        return declared
    return detect_language(f"{strip_reply_prefixes(parsed.subject)}\n{parsed.display_text}")
