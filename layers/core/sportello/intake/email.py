"""The email channel's inbound pipeline: from a raw mail SES stored to a ticket, event or quarantine.

Small steps in a fixed order, as Zammad's filters: verdicts, parse, loops, bounces, threading,
then the ticket service. Whatever goes wrong, the raw mail stays in S3 and a quarantine record says
why, so nothing is lost and nothing crash-loops.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ..clock import utc_now
from ..customers.model import Identity
from ..email.compose import strip_reply_prefixes, ticket_number_in_subject
from ..email.parsing import EmailParseError, ParsedEmail, parse_email
from ..email.tokens import ReplyTokens
from ..errors import DomainError, InvalidRequestError
from ..ids import stable_id
from ..language import SUPPORTED_LANGUAGES, detect_language
from ..ports import BlobStore
from ..quarantine import Quarantine
from ..tickets.events import DeliveryFailed, DeliveryReported, Payload
from ..tickets.inbound import InboundMessage
from ..tickets.model import AttachmentRef, Channel
from ..tickets.service import Outcome, TicketService
from .keeping import keep_attachment, quarantine_raw

logger = logging.getLogger(__name__)

UNVERIFIED_TAG = "unverified-sender"
MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024


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
        return "FAIL" not in (self.spf.upper(), self.dkim.upper(), self.dmarc.upper())


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
    ) -> None:
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
            return self._route(raw_key, raw, parsed, verdicts)
        except QuarantineError as stop:
            return self._keep(raw_key, str(stop), parsed)
        except (DomainError, EmailParseError) as error:
            return self._keep(raw_key, str(error), parsed)
        except Exception as error:
            logger.exception("processing %s failed", raw_key)
            return self._keep(raw_key, f"processing failed: {type(error).__name__}: {error}", parsed)

    def _parse(self, raw: bytes, verdicts: Verdicts) -> ParsedEmail:
        if verdicts.virus.upper() == "FAIL":
            raise QuarantineError("SES virus scan: FAIL")
        if verdicts.spam.upper() == "FAIL":
            raise QuarantineError("SES spam filter: FAIL")
        try:
            return parse_email(raw)
        except EmailParseError as error:
            raise QuarantineError(f"unreadable mail: {error}") from error

    def _keep(self, raw_key: str, reason: str, parsed: ParsedEmail | None) -> Report:
        sender = parsed.sender.email if parsed and parsed.sender else None
        subject = parsed.subject if parsed else None
        quarantine_raw(self._quarantine, raw_key, reason, Channel.EMAIL.value, self._clock(), sender, subject)
        logger.warning("quarantined %s: %s", raw_key, reason)
        return Report(Result.QUARANTINED, reason=reason)

    def _route(self, raw_key: str, raw: bytes, parsed: ParsedEmail, verdicts: Verdicts) -> Report:
        if parsed.bounce is not None:
            return self._bounce(raw, parsed)
        if parsed.sender is None or "@" not in parsed.sender.email:
            raise QuarantineError("the mail has no usable sender address")
        sender = parsed.sender.email
        if sender in self._own_addresses or self._tokens.ticket_number(sender) is not None:
            raise QuarantineError("mail loop: the sender is one of our own addresses")
        thread = self._thread(parsed, verdicts)
        authenticated = verdicts.sender_authenticated
        tags: tuple[str, ...] = ()
        if thread is not None and not authenticated:
            # A sender that fails SPF/DKIM/DMARC may be forged: never let it into an existing thread.
            thread, tags = None, (UNVERIFIED_TAG,)
        elif not authenticated:
            tags = (UNVERIFIED_TAG,)
        if thread is None and parsed.auto_submitted:
            raise QuarantineError(f"automatic mail that answers no ticket ({parsed.auto_submitted})")
        # Derived from the mail's bytes: a redelivery stores its attachments under the same keys again.
        message_id = stable_id(f"mail:{hashlib.sha256(raw).hexdigest()}")
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
            external_ids=(self._mail_id(parsed, raw),),
            attachments=self._store_attachments(message_id, parsed),
            language=_language(parsed),
            thread_ticket=thread,
            auto_submitted=parsed.auto_submitted,
            sender_verified=authenticated,
            tags=tags,
        )
        receipt = self._service.receive(inbound)
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
    def _mail_id(parsed: ParsedEmail, raw: bytes) -> str:
        # Without a Message-ID the content itself identifies a redelivery of the same mail.
        return parsed.message_id or f"{hashlib.sha256(raw).hexdigest()}@sportello.invalid"

    def _thread(self, parsed: ParsedEmail, verdicts: Verdicts) -> int | None:
        """The ticket this mail answers: by Message-ID chain, subject tag (requester only), reply token."""
        for reference in (*reversed(parsed.references), *parsed.in_reply_to):
            number = self._service.ticket_for_ref(reference)
            if number is not None:
                return number
        tagged = ticket_number_in_subject(parsed.subject)
        if (
            tagged is not None
            and parsed.sender is not None
            and self._is_requester(tagged, parsed.sender.email)
        ):
            return tagged
        recipients = (*verdicts.recipients, *(a.email for a in parsed.to), *(a.email for a in parsed.cc))
        for recipient in recipients:
            number = self._tokens.ticket_number(recipient)
            if number is not None:
                return number
        return None

    def _is_requester(self, number: int, sender: str) -> bool:
        # A subject tag is easy to type: it only threads mail from the ticket's own requester.
        try:
            ticket = self._service.get(number)
        except DomainError:
            return False
        return self._service.customer_for(Identity.email(sender)) == ticket.requester.id

    def _store_attachments(self, message_id: str, parsed: ParsedEmail) -> tuple[AttachmentRef, ...]:
        stored = []
        for index, attachment in enumerate(parsed.attachments, start=1):
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

    def _bounce(self, raw: bytes, parsed: ParsedEmail) -> Report:
        bounce = parsed.bounce
        assert bounce is not None
        candidates = [bounce.original_message_id] if bounce.original_message_id else []
        candidates += [*reversed(parsed.references), *parsed.in_reply_to]
        number = next(
            (n for n in (self._service.ticket_for_ref(c) for c in candidates if c) if n is not None),
            None,
        )
        if number is None:
            raise QuarantineError("delivery status notification for a message we do not know")
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
        if not self._service.record_once(number, self._mail_id(parsed, raw), payload, self._clock()):
            return Report(Result.DUPLICATE, number)
        return Report(Result.SYSTEM_EVENT, number)


def _language(parsed: ParsedEmail) -> str:
    declared = (parsed.content_language or "").split(",")[0].strip()[:2].lower()
    if declared in SUPPORTED_LANGUAGES:
        return declared
    return detect_language(f"{strip_reply_prefixes(parsed.subject)}\n{parsed.display_text}")
