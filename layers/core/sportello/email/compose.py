"""Building the mails we send, with the headers that keep them in the customer's thread."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr

from ..ids import new_id

_SUBJECT_TAG = re.compile(r"\[#(\d{1,12})\]")
_REPLY_PREFIX = re.compile(r"^\s*((re|r|aw|sv|vs|antw|fw|fwd|i|rif)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
MAX_REFERENCES = 20


def subject_tag(number: int) -> str:
    return f"[#{number}]"


def ticket_number_in_subject(subject: str) -> int | None:
    match = _SUBJECT_TAG.search(subject)
    return int(match.group(1)) if match else None


def strip_reply_prefixes(subject: str) -> str:
    """ "Re: R: Fwd: [#4] Help" -> "[#4] Help": what the customer actually wrote."""
    return _REPLY_PREFIX.sub("", subject).strip()


def tagged_subject(number: int, subject: str, reply: bool = False) -> str:
    clean = _SUBJECT_TAG.sub("", strip_reply_prefixes(subject)).strip()
    prefix = "Re: " if reply else ""
    return f"{prefix}{subject_tag(number)} {clean}".strip()


def new_message_id(domain: str) -> str:
    return f"{new_id()}@{domain}"


@dataclass(frozen=True)
class MailHeaders:
    sender_name: str
    sender_address: str
    reply_to: str
    recipient_name: str
    recipient_address: str
    subject: str
    message_id: str
    date: datetime
    language: str
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    automatic: bool = False


# Lines may be 998 characters (RFC 5322): long Message-IDs in References are then written as they are,
# where the 78-character default would turn them into encoded words no mail client threads on.
OUTBOUND_POLICY = SMTP.clone(max_line_length=998)


def build_mail(headers: MailHeaders, text: str) -> EmailMessage:
    mail = EmailMessage(policy=OUTBOUND_POLICY)
    mail["From"] = formataddr((headers.sender_name, headers.sender_address))
    mail["To"] = formataddr((headers.recipient_name, headers.recipient_address))
    mail["Reply-To"] = formataddr((headers.sender_name, headers.reply_to))
    mail["Subject"] = headers.subject
    mail["Date"] = format_datetime(headers.date)
    mail["Message-ID"] = f"<{headers.message_id}>"
    mail["Content-Language"] = headers.language
    if headers.in_reply_to:
        mail["In-Reply-To"] = f"<{headers.in_reply_to}>"
    references = headers.references[-MAX_REFERENCES:]
    if references:
        mail["References"] = " ".join(f"<{ref}>" for ref in references)
    if headers.automatic:
        # RFC 3834: tells well-behaved autoresponders not to answer us back (no mail loops).
        mail["Auto-Submitted"] = "auto-replied"
        mail["X-Auto-Response-Suppress"] = "All"
    mail.set_content(text)
    return mail
