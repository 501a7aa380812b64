"""Turning raw inbound mail into a ``ParsedEmail``: headers, body, attachments and what kind of mail it is.

Pure: no I/O, no AWS. ``parse_email`` either returns a result or raises ``EmailParseError`` for input that
is not a mail at all; malformed mail is parsed as far as it goes and the problems are listed in ``defects``.
"""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import Message
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from functools import cached_property

from sportello.email.autoreply import auto_submitted_reason
from sportello.email.bounces import Bounce, parse_bounce
from sportello.email.html import HtmlDocument, sanitise_html
from sportello.email.mime import (
    MAX_DEPTH,
    addresses,
    clean_text,
    content_type,
    decode_rfc2047,
    decoded_header,
    disposition,
    is_container,
    message_ids,
    normalise_message_id,
    payload_bytes,
    raw_header,
    raw_headers,
    text_content,
    walk,
)
from sportello.email.quotes import strip_quoted, strip_quoted_html_text

__all__ = [
    "Address",
    "Bounce",
    "EmailParseError",
    "ParsedAttachment",
    "ParsedEmail",
    "message_ids",
    "normalise_message_id",
    "parse_email",
]


class EmailParseError(ValueError):
    """The input holds no usable mail message (empty, no header fields, binary data)."""


@dataclass(frozen=True)
class Address:
    email: str
    """Lower-cased addr-spec."""
    name: str = ""


@dataclass(frozen=True)
class ParsedAttachment:
    filename: str
    """Never empty and never a path: derived from the content type when the sender gave none."""
    content_type: str
    content: bytes
    content_id: str | None
    """Without the angle brackets, as referenced by ``cid:`` URLs in the HTML body."""
    inline: bool


@dataclass(frozen=True)
class ParsedEmail:
    message_id: str | None
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    subject: str
    sender: Address | None
    reply_to: Address | None
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    date: datetime | None
    text: str
    """The whole plain-text body (from the HTML body when there is no text/plain one)."""
    html: str | None
    """The HTML body, sanitised for display."""
    display_text: str
    """``text`` without quoted history and signature; ``text`` itself when nothing else would be left."""
    attachments: tuple[ParsedAttachment, ...]
    auto_submitted: str | None
    """Why the mail looks machine-generated (see ``autoreply``), or None for a mail written by a person."""
    bounce: Bounce | None
    content_language: str | None
    defects: tuple[str, ...]

    @property
    def unread_parts(self) -> str | None:
        """Why some of the mail's parts were not read (nested too deep to open), or None when all were."""
        if "NestingTooDeep" in self.defects:
            return f"parts nested deeper than {MAX_DEPTH} levels were not read"
        failed = next((d for d in self.defects if d.startswith("ParserFailed:")), None)
        if failed is not None:
            return f"only the header fields could be read ({failed.partition(':')[2]})"
        return None


class _RawHeaders(policy.Compat32):
    """Header values kept as the raw strings they were, which is all this package reads, unfolded on read.

    The modern policy builds (and can choke on) a header object each time the parser asks for a content
    type: a thousand times slower on mail with many parts. Unfolding lets the parser match a boundary
    folded inside its quotes; values are stored folded so attached messages are re-emitted as received.
    """

    def header_fetch_parse(self, name: str, value: str) -> str:
        return _LINE_BREAK.sub("", value)


_LINE_BREAK = re.compile(r"\r?\n")
_PARSE_ATTEMPTS = ((_RawHeaders(), False), (_RawHeaders(), True))
_VERBATIM = policy.default.clone(refold_source="none", max_line_length=0, linesep="\n")
_MIME_TYPES = mimetypes.MimeTypes(filenames=())  # the built-in table only, so names do not vary by host
_EXTENSIONS = {
    "message/rfc822": ".eml",
    "message/global": ".eml",
    "message/delivery-status": ".txt",
    "message/disposition-notification": ".txt",
    "message/feedback-report": ".txt",
    "text/rfc822-headers": ".txt",
}
_TNEF_TYPES = {"application/ms-tnef", "application/vnd.ms-tnef"}
_MAX_FILENAME_CHARS = 200
_UNSAFE_FILENAME_CHARS = re.compile(r"[\x00-\x1f\x7f]")
_UTF8_BOM = b"\xef\xbb\xbf"


def parse_email(raw: bytes) -> ParsedEmail:
    """Parse one RFC 5322 message. Raises ``EmailParseError`` only when there is no message to read."""
    data, notes = _prepared(raw)
    msg, parse_notes = _parsed(data)
    body = _Body.of(msg)
    text = body.text()
    return ParsedEmail(
        message_id=normalise_message_id(raw_header(msg, "message-id") or ""),
        in_reply_to=message_ids(raw_header(msg, "in-reply-to")),
        references=message_ids(" ".join(raw_headers(msg, "references"))),
        subject=decoded_header(msg, "subject"),
        sender=_first_address(msg, "from"),
        reply_to=_first_address(msg, "reply-to"),
        to=_address_list(msg, "to"),
        cc=_address_list(msg, "cc"),
        date=_date(raw_header(msg, "date")),
        text=text,
        html=sanitise_html("\n".join(body.html)) if body.html else None,
        display_text=body.display_text() or text,
        attachments=tuple(body.attachments),
        auto_submitted=auto_submitted_reason(msg),
        bounce=parse_bounce(msg),
        content_language=(raw_header(msg, "content-language") or "").strip() or None,
        defects=tuple(dict.fromkeys([*notes, *parse_notes, *body.defects])),
    )


def _prepared(raw: bytes) -> tuple[bytes, list[str]]:
    """Bytes ready for the stdlib parser: LF line endings, no byte-order mark, no leading blank lines.

    An mbox "From " first line is left to the parser, which takes it as the envelope line.
    """
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise EmailParseError(f"expected the raw message as bytes, got {type(raw).__name__}")
    data = bytes(raw).removeprefix(_UTF8_BOM).lstrip()
    if not data:
        raise EmailParseError("the message is empty")
    notes: list[str] = []
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n")
        if b"\r" in data:
            # Classic Mac line endings: without this no header would be found.
            notes.append("BareCarriageReturnLineEndings")
            data = data.replace(b"\r", b"\n")
    return data, notes


def _parsed(data: bytes) -> tuple[Message, list[str]]:
    """Parse the whole message, or failing that its header fields alone."""
    notes: list[str] = []
    for parse_policy, headers_only in _PARSE_ATTEMPTS:
        if "ParserFailed:RecursionError" in notes and not headers_only:
            continue  # too deeply nested for any full parse; do not pay for a second attempt
        try:
            msg = BytesParser(policy=parse_policy).parsebytes(data, headersonly=headers_only)
        except Exception as error:  # it reads some headers eagerly, and recurses once per nesting level
            notes.append(f"ParserFailed:{type(error).__name__}")
            continue
        if not msg.keys():
            raise EmailParseError("no header fields found: the input is not an email message")
        return msg, notes
    raise EmailParseError("the message cannot be parsed, not even its header fields")


@dataclass
class _Body:
    """The leaf parts of a message sorted into body text, body HTML and attachments."""

    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    named_plain: list[str] = field(default_factory=list)
    """Text parts that carry a file name but were not marked as attachments: the text of last resort."""
    attachments: list[ParsedAttachment] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, msg: Message) -> _Body:
        body = cls()
        for part, depth in walk(msg):
            body.defects += [type(defect).__name__ for defect in part.defects]
            body.add(part, depth)
        return body

    def add(self, part: Message, depth: int) -> None:
        kind = content_type(part)
        if is_container(part):
            if depth >= MAX_DEPTH:
                self.defects.append("NestingTooDeep")
            return
        placement = disposition(part)
        if kind.startswith("multipart/"):
            # No usable boundary: the parser left the whole body as one text.
            self.plain.append(_text(part))
        elif kind in {"text/plain", "text/html"} and _is_shown_as_body(part, placement):
            (self.plain if kind == "text/plain" else self.html).append(_text(part))
        else:
            self.attachments.append(_attachment(part, kind, placement, len(self.attachments) + 1))
            if kind == "text/plain" and placement != "attachment":
                self.named_plain.append(_text(part))

    @cached_property
    def html_document(self) -> HtmlDocument:
        return HtmlDocument("\n".join(self.html))

    def html_text(self) -> str:
        return self.html_document.text() if self.html else ""

    def text(self) -> str:
        return _joined(self.plain) or self.html_text() or _joined(self.named_plain)

    def display_text(self) -> str:
        if plain := _joined(self.plain):
            return strip_quoted(plain)
        if self.html_text():
            return strip_quoted_html_text(self.html_document)
        return strip_quoted(_joined(self.named_plain))


def _text(part: Message) -> str:
    return text_content(part).replace("\r\n", "\n").replace("\r", "\n")


def _joined(texts: list[str]) -> str:
    return "\n\n".join(text.strip("\n") for text in texts if text.strip())


def _is_shown_as_body(part: Message, placement: str) -> bool:
    """Explicitly inline parts are body even when named; parts without a disposition only when unnamed."""
    return placement == "inline" or (placement != "attachment" and _filename(part) is None)


def _attachment(part: Message, kind: str, placement: str, number: int) -> ParsedAttachment:
    content_id = normalise_message_id(raw_header(part, "content-id") or "")
    return ParsedAttachment(
        filename=_filename(part) or _default_filename(kind, number),
        content_type=kind,
        content=_serialised(part) if part.is_multipart() else payload_bytes(part),
        content_id=content_id,
        inline=placement == "inline" or (not placement and content_id is not None),
    )


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:  # malformed RFC 2231 parameters
        name = None
    if not name:
        return None
    name = clean_text(str(name))
    if "=?" in name:  # RFC 2047 inside a parameter: not standard, but what many clients send
        name = decode_rfc2047(name)
    name = _UNSAFE_FILENAME_CHARS.sub("", name.replace("\\", "/").rsplit("/", 1)[-1]).strip()
    if name in {"", ".", ".."}:
        return None
    return _shortened(name)


def _shortened(name: str) -> str:
    if len(name) <= _MAX_FILENAME_CHARS:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension) > 10:
        return name[:_MAX_FILENAME_CHARS]
    return f"{stem[: _MAX_FILENAME_CHARS - len(extension) - 1]}.{extension}"


def _default_filename(kind: str, number: int) -> str:
    if kind in _TNEF_TYPES:
        return "winmail.dat"
    extension = _EXTENSIONS.get(kind) or _MIME_TYPES.guess_extension(kind) or ".bin"
    return f"attachment-{number}{extension}"


def _serialised(part: Message) -> bytes:
    """Bytes of a message/* part (an attached .eml, a delivery-status report) as they were received."""
    payload = part.get_payload()
    items = payload if isinstance(payload, list) else []
    return b"".join(_message_bytes(item) for item in items if isinstance(item, Message))


def _message_bytes(msg: Message) -> bytes:
    try:
        return msg.as_bytes(policy=_VERBATIM)
    except Exception:  # the generator re-parses headers and can trip on what the parser tolerated
        headers = "".join(f"{name}: {value}\n" for name, value in msg.raw_items())
        body = msg.get_payload()
        text = body if isinstance(body, str) else ""
        return f"{headers}\n{text}".encode("utf-8", errors="surrogateescape")


def _first_address(msg: Message, name: str) -> Address | None:
    found = _address_list(msg, name)
    return found[0] if found else None


def _address_list(msg: Message, name: str) -> tuple[Address, ...]:
    return tuple(Address(email=email, name=display) for display, email in addresses(msg, name))


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
