"""Delivery status notifications: which of our messages bounced, for whom, and why.

Three shapes are understood: RFC 3464 reports (multipart/report with message/delivery-status, and RFC 5965
feedback reports for complaints), Amazon SES notifications mailed by SNS (JSON bodies), and the free-text
bounces older MTAs still send from MAILER-DAEMON or postmaster.
"""

from __future__ import annotations

import base64
import binascii
import json
import quopri
import re
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage, Message
from typing import Any

from sportello.email.autoreply import is_daemon_sender
from sportello.email.html import html_to_text
from sportello.email.mime import (
    addresses,
    content_type,
    decoded_header,
    disposition,
    header_param,
    normalise_message_id,
    raw_header,
    text_content,
    walk,
)


@dataclass(frozen=True)
class Bounce:
    original_message_id: str | None
    """Message-ID of the mail that bounced (without <>), or None when the report does not include it."""
    recipients: tuple[str, ...]
    """Final-Recipient / Original-Recipient addresses."""
    action: str
    """"failed", "delayed", "delivered", "relayed", "expanded", or "complained" for abuse reports."""
    status: str
    """Enhanced status code such as "5.1.1", or ""."""
    diagnostic: str
    """Diagnostic-Code text (the remote server's reply), or ""."""


_STATUS_PARTS = {"message/delivery-status", "message/global-delivery-status"}
_FEEDBACK_PART = "message/feedback-report"
_RETURNED_MESSAGE_PARTS = {"message/rfc822", "message/global"}
_RETURNED_HEADERS_PARTS = {"text/rfc822-headers", "message/global-headers"}
_PER_RECIPIENT_FIELDS = {
    "original-recipient", "final-recipient", "action", "status", "remote-mta", "diagnostic-code",
    "last-attempt-date", "will-retry-until", "final-log-id",
}  # fmt: skip
_ACTION_SEVERITY = ("failed", "delayed")
_STATUS_CODE = re.compile(r"\b([245]\.\d{1,3}\.\d{1,3})\b")
_FIELD = re.compile(r"^([A-Za-z][A-Za-z0-9-]*)\s*:\s*(.*)$")
_MESSAGE_ID_LINE = re.compile(r"^[ \t]*message-id[ \t]*:[ \t]*(\S.*)$", re.IGNORECASE | re.MULTILINE)
_FOLD = re.compile(r"\r?\n[ \t]+")
_BASE64_BLOCK = re.compile(r"\s*[A-Za-z0-9+/]{20,}={0,2}(?:\s+[A-Za-z0-9+/]+={0,2})*\s*")
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|undelivered|delivery\s+(?:status\s+notification|failure|failed|has\s+failed|problem|delayed)"
    r"|mail\s+delivery\s+failed|failure\s+notice|returned\s+mail|returned\s+to\s+sender|mail\s+failure"
    r"|non[\s-]?deliver|could\s+not\s+be\s+delivered|warning:\s+could\s+not\s+send|delayed\s+mail"
    r"|mail\s+system\s+error|non\s+remis|unzustellbar|nicht\s+zustellbar|mancato\s+recapito"
    r"|non\s+recapitabile|impossibile\s+recapitare|no\s+se\s+puede\s+entregar|n(?:ã|a)o\s+entregue",
    re.IGNORECASE,
)
_DELAY = re.compile(
    r"\(delay\)|\bdelayed\b|will\s+(?:be\s+)?retr|still\s+trying|warning:\s+could\s+not", re.IGNORECASE
)
_RECIPIENT_PATTERNS = (
    # Postfix and qmail: "<user@example.com>: reason"
    re.compile(r"^[ \t]*<([^<>\s@]+@[^<>\s]+)>[ \t]*:", re.MULTILINE),
    # Exim and Gmail: the address alone on its line
    re.compile(r"^[ \t]*([^\s<>@:;,\"]+@[\w-]+(?:\.[\w-]+)+)[ \t]*$", re.MULTILINE),
    # RFC 3464 fields quoted in the text
    re.compile(
        r"^[ \t]*(?:final|original)-recipient[ \t]*:[ \t]*(?:rfc822[ \t]*;)?"
        r"[ \t]*<?([^\s<>;]+@[^\s<>;]+?)>?[ \t]*$",
        re.IGNORECASE | re.MULTILINE,
    ),
)
_FINAL_RECIPIENT = re.compile(r"^[ \t]*final-recipient[ \t]*:", re.IGNORECASE | re.MULTILINE)
_MAX_SCANNED_CHARS = 20_000
_SES_SENDER_DOMAINS = ("amazonaws.com", "amazonses.com")


def parse_bounce(msg: EmailMessage | Message) -> Bounce | None:
    """The bounce, complaint or delivery report ``msg`` carries, or None for any other mail."""
    return _from_report(msg) or _from_ses_notification(msg) or _from_daemon_text(msg)


# RFC 3464 / RFC 5965 reports ------------------------------------------------------------------------------


def _from_report(msg: Message) -> Bounce | None:
    report = next((part for part, _depth in walk(msg) if content_type(part) == "multipart/report"), None)
    if report is None:
        return None
    parts = [part for part, _depth in walk(report)]
    types = {content_type(part) for part in parts}
    report_type = (header_param(report, "report-type") or "").lower()
    original_id = _returned_message_id(parts)
    if report_type == "feedback-report" or _FEEDBACK_PART in types:
        return _complaint(parts, original_id)
    status_part = next((part for part in parts if content_type(part) in _STATUS_PARTS), None)
    if status_part is not None:
        return _from_status_fields(_report_text(status_part), original_id)
    if report_type == "delivery-status":
        return _from_free_text(msg, original_id)
    return None


def _complaint(parts: list[Message], original_id: str | None) -> Bounce:
    feedback = next((part for part in parts if content_type(part) == _FEEDBACK_PART), None)
    records = _field_records(_report_text(feedback)) if feedback is not None else []
    fields = {key: value for record in records for key, value in record.items()}
    recipients = [fields[key] for key in ("original-rcpt-to", "removal-recipient") if key in fields]
    return Bounce(
        original_message_id=original_id,
        recipients=_unique_addresses(recipients),
        action="complained",
        status="",
        diagnostic=fields.get("feedback-type", ""),
    )


def _from_status_fields(text: str, original_id: str | None) -> Bounce:
    records = [record for record in _field_records(text) if record.keys() & _PER_RECIPIENT_FIELDS]
    chosen = _most_severe(records)
    recipients = [
        record.get(key, "") for record in records for key in ("final-recipient", "original-recipient")
    ]
    status = _STATUS_CODE.search(chosen.get("status", ""))
    return Bounce(
        original_message_id=original_id,
        recipients=_unique_addresses(recipients),
        action=_first_word(chosen.get("action", "")) or "failed",
        status=status.group(1) if status else "",
        diagnostic=_without_type(chosen.get("diagnostic-code", "")),
    )


def _first_word(value: str) -> str:
    words = value.split()
    return words[0].lower() if words else ""


def _most_severe(records: list[dict[str, str]]) -> dict[str, str]:
    for action in _ACTION_SEVERITY:
        for record in records:
            if record.get("action", "").lower().startswith(action):
                return record
    return records[0] if records else {}


def _field_records(text: str) -> list[dict[str, str]]:
    """Groups of "Name: value" fields; a blank line or a repeated per-recipient field starts a new group."""
    records: list[dict[str, str]] = []
    current: dict[str, str] = {}
    for line in _FOLD.sub(" ", text).splitlines():
        match = _FIELD.match(line.strip())
        if not match:
            if not line.strip() and current:
                records.append(current)
                current = {}
            continue
        key, value = match.group(1).lower(), match.group(2).strip()
        if key in current and key in _PER_RECIPIENT_FIELDS:
            records.append(current)
            current = {}
        current[key] = value
    if current:
        records.append(current)
    return records


def _report_text(part: Message) -> str:
    """The text of a machine-readable report part, however the parser stored it."""
    payload = part.get_payload()
    if not isinstance(payload, list):
        return text_content(part)
    # The parser reads message/delivery-status as blocks of header fields, one Message per block.
    blocks = [_block_text(block) for block in payload if isinstance(block, Message)]
    return _transfer_decoded("\n\n".join(blocks), raw_header(part, "content-transfer-encoding"))


def _block_text(block: Message) -> str:
    fields = "\n".join(f"{name}: {value}" for name, value in block.raw_items())
    body = block.get_payload()
    if not isinstance(body, str):
        return fields
    if not fields and _BASE64_BLOCK.fullmatch(body):
        # Some filters base64-encode the per-recipient fields inside an otherwise plain report.
        body = _transfer_decoded(body, "base64")
    return f"{fields}\n{body}"


def _transfer_decoded(text: str, encoding: str | None) -> str:
    encoding = (encoding or "").strip().lower()
    data = text.encode("ascii", errors="ignore")
    if encoding == "base64":
        try:
            return base64.b64decode(re.sub(rb"[^A-Za-z0-9+/=]", b"", data)).decode("utf-8", errors="replace")
        except (binascii.Error, ValueError):
            return text
    if encoding == "quoted-printable":
        return quopri.decodestring(data).decode("utf-8", errors="replace")
    return text


def _returned_message_id(parts: list[Message]) -> str | None:
    for part in parts:
        kind = content_type(part)
        if kind in _RETURNED_MESSAGE_PARTS:
            identifier = _embedded_message_id(part)
        elif kind in _RETURNED_HEADERS_PARTS:
            identifier = _message_id_in_text(text_content(part))
        else:
            continue
        if identifier:
            return identifier
    return None


def _embedded_message_id(part: Message) -> str | None:
    payload = part.get_payload()
    if not isinstance(payload, list):  # left as text, e.g. when the returned message is transfer-encoded
        return _message_id_in_text(text_content(part))
    returned = next((item for item in payload if isinstance(item, Message)), None)
    value = raw_header(returned, "message-id") if returned is not None else None
    return normalise_message_id(value) if value else None


def _message_id_in_text(text: str) -> str | None:
    match = _MESSAGE_ID_LINE.search(_FOLD.sub(" ", text[: _MAX_SCANNED_CHARS * 5]))
    return normalise_message_id(match.group(1)) if match else None


def _without_type(value: str) -> str:
    """ "smtp; 550 5.1.1 unknown" -> "550 5.1.1 unknown" (RFC 3464 typed fields)."""
    kind, separator, rest = value.partition(";")
    text = rest if separator and " " not in kind.strip() else value
    return " ".join(text.split())


def _unique_addresses(values: Iterable[str]) -> tuple[str, ...]:
    cleaned = (_without_type(value).strip("<> ").lower() for value in values)
    return tuple(dict.fromkeys(value for value in cleaned if "@" in value))


# Amazon SES notifications delivered by SNS email subscriptions -----------------------------------------


def _from_ses_notification(msg: Message) -> Bounce | None:
    senders = addresses(msg, "from")
    if not senders or not senders[0][1].endswith(_SES_SENDER_DOMAINS):
        return None
    body = _body_text(msg)
    if "notificationType" not in body and "eventType" not in body:
        return None
    notification = _ses_json(body)
    if notification is None:
        return None
    kind = str(notification.get("notificationType") or notification.get("eventType") or "").lower()
    original_id = _ses_original_id(notification.get("mail"))
    if kind == "bounce":
        return _ses_bounce(_as_dict(notification.get("bounce")), original_id)
    if kind == "complaint":
        return _ses_complaint(_as_dict(notification.get("complaint")), original_id)
    if kind == "delivery":
        return _ses_delivery(_as_dict(notification.get("delivery")), original_id)
    return None


def _ses_json(body: str) -> dict[str, Any] | None:
    # Sendmail breaks lines over 990 characters with "!\n "; undo that before reading the JSON.
    text = body.replace("!\n ", "").replace("!\r\n ", "")
    start = text.find("{")
    if start < 0:
        return None
    try:
        document, _end = json.JSONDecoder(strict=False).raw_decode(text, start)
        if isinstance(document, dict) and isinstance(document.get("Message"), str):
            document = json.loads(document["Message"], strict=False)  # the SNS envelope around SES's JSON
    except (ValueError, RecursionError):
        return None
    return document if isinstance(document, dict) else None


def _as_dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _ses_original_id(mail: object) -> str | None:
    mail = _as_dict(mail)
    common = _as_dict(mail.get("commonHeaders"))
    candidates = [common.get("messageId")]
    candidates += [
        header.get("value")
        for header in map(_as_dict, _as_list(mail.get("headers")))
        if str(header.get("name", "")).lower() == "message-id"
    ]
    # Without a Message-ID header in the notification, SES's own id is the only handle on the mail.
    candidates.append(mail.get("messageId"))
    return next(
        (found for value in candidates if isinstance(value, str) and (found := normalise_message_id(value))),
        None,
    )


def _ses_bounce(bounce: dict[str, Any], original_id: str | None) -> Bounce:
    recipients = [_as_dict(entry) for entry in _as_list(bounce.get("bouncedRecipients"))]
    first = recipients[0] if recipients else {}
    status = _STATUS_CODE.search(str(first.get("status", "")))
    return Bounce(
        original_message_id=original_id,
        recipients=_unique_addresses(str(entry.get("emailAddress", "")) for entry in recipients),
        action=str(first.get("action") or "failed").lower(),
        status=status.group(1) if status else "",
        diagnostic=_without_type(str(first.get("diagnosticCode", ""))),
    )


def _ses_complaint(complaint: dict[str, Any], original_id: str | None) -> Bounce:
    recipients = (
        str(_as_dict(entry).get("emailAddress", ""))
        for entry in _as_list(complaint.get("complainedRecipients"))
    )
    return Bounce(
        original_message_id=original_id,
        recipients=_unique_addresses(recipients),
        action="complained",
        status="",
        diagnostic=str(complaint.get("complaintFeedbackType") or ""),
    )


def _ses_delivery(delivery: dict[str, Any], original_id: str | None) -> Bounce:
    response = str(delivery.get("smtpResponse") or "")
    status = _STATUS_CODE.search(response)
    return Bounce(
        original_message_id=original_id,
        recipients=_unique_addresses(str(value) for value in _as_list(delivery.get("recipients"))),
        action="delivered",
        status=status.group(1) if status else "",
        diagnostic=response,
    )


# Free-text bounces ----------------------------------------------------------------------------------------


def _from_daemon_text(msg: Message) -> Bounce | None:
    if not (is_daemon_sender(msg) and _BOUNCE_SUBJECT.search(decoded_header(msg, "subject"))):
        return None
    return _from_free_text(msg, None)


def _from_free_text(msg: Message, original_id: str | None) -> Bounce:
    body = _body_text(msg)
    text = body[:_MAX_SCANNED_CHARS]
    original_id = original_id or _message_id_in_text(body)
    if _FINAL_RECIPIENT.search(text):  # a report whose MIME structure was lost on the way
        return _from_status_fields(text, original_id)
    status = _STATUS_CODE.search(text)
    delayed = _DELAY.search(decoded_header(msg, "subject")) or _DELAY.search(text)
    return Bounce(
        original_message_id=original_id,
        recipients=_unique_addresses(
            found for pattern in _RECIPIENT_PATTERNS for found in pattern.findall(text)
        ),
        action="delayed" if delayed and not (status and status.group(1).startswith("5")) else "failed",
        status=status.group(1) if status else "",
        diagnostic=_line_around(text, status.start()) if status else "",
    )


def _line_around(text: str, position: int) -> str:
    start = text.rfind("\n", 0, position) + 1
    end = text.find("\n", position)
    return " ".join(text[start : end if end >= 0 else len(text)].split())


def _body_text(msg: Message) -> str:
    """The human-readable text of a notification: its text parts, or its HTML as text."""
    plain: list[str] = []
    html: list[str] = []
    for part, _depth in walk(msg):
        kind = content_type(part)
        if part.is_multipart() or disposition(part) == "attachment":
            continue
        if kind == "text/plain" or kind.startswith("multipart/"):  # a multipart leaf lost its boundary
            plain.append(text_content(part))
        elif kind == "text/html":
            html.append(text_content(part))
    return "\n".join(plain) if plain else "\n".join(html_to_text(document) for document in html)
