"""Defensive accessors over stdlib ``email`` messages.

The stdlib parser never refuses input, but reading a parsed header or payload can raise almost anything
(HeaderParseError, IndexError, LookupError, AssertionError, RecursionError...) on hostile mail. Everything
here reads the raw stored values and decodes them itself, so callers get strings and bytes, never exceptions.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import email.policy
import quopri
import re
from collections.abc import Iterator
from email.message import Message

MAX_DEPTH = 50
"""MIME nesting deeper than this is not walked (real mail nests a handful of levels)."""

_FALLBACK_ERRORS = "sportello-windows-1252-per-byte"

# Labels seen in real mail that Python's codec registry does not know.
_CHARSET_ALIASES = {
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-6-i": "iso-8859-6",
    "iso-8859-8-e": "iso-8859-8",
    "iso-8859-6-e": "iso-8859-6",
    "windows-874": "cp874",
    "x-mac-roman": "mac_roman",
    "x-sjis": "shift_jis",
    "x-euc-jp": "euc_jp",
    "x-gbk": "gbk",
    "ks_c_5601": "cp949",
}
# Declaring these says nothing useful about 8-bit content, which is usually UTF-8 or Windows-1252.
_DOMAIN_LABEL_CODECS = {"idna", "punycode"}
_UNINFORMATIVE_CHARSETS = {"ascii", "us-ascii", "unknown-8bit", "x-unknown", "unknown", "default"}

_SURROGATES = re.compile("[\ud800-\udfff]")
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_WHITESPACE = re.compile(r"\s+")


def _windows1252_per_byte(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    chars = []
    for byte in error.object[error.start : error.end]:
        try:
            chars.append(bytes([byte]).decode("cp1252"))
        except UnicodeDecodeError:  # the five bytes Windows-1252 leaves undefined
            chars.append(chr(byte))
    return "".join(chars), error.end


codecs.register_error(_FALLBACK_ERRORS, _windows1252_per_byte)


def _codec_name(charset: str | None) -> str | None:
    """The Python text codec for a MIME charset label, or None when unknown or uninformative."""
    if not charset:
        return None
    label = charset.strip().strip("\"'").lower()
    label = _CHARSET_ALIASES.get(label, label)
    if label in _UNINFORMATIVE_CHARSETS:
        return None
    try:
        info = codecs.lookup(label)
    except (LookupError, ValueError, TypeError):
        return None
    # Refuse bytes-to-bytes codecs such as base64 or zlib that a hostile label could name, and the codecs
    # of domain labels: they take no error handler, so mislabelled bytes would raise instead of falling back.
    if not getattr(info, "_is_text_encoding", True) or info.name in _DOMAIN_LABEL_CODECS:
        return None
    return info.name


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode ``data`` as ``charset``, never raising.

    When the declared charset is unknown or wrong, UTF-8 is tried, and bytes that are not UTF-8 are read
    as Windows-1252 one by one, which is what mislabelled Western European mail almost always is.
    """
    codec = _codec_name(charset)
    if codec is not None:
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            pass
        except (LookupError, ValueError, TypeError):  # a registered codec that cannot decode bytes
            codec = None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if codec is not None and codec != "utf-8":
        return data.decode(codec, errors="replace")
    return data.decode("utf-8", errors=_FALLBACK_ERRORS)


def clean_text(value: str) -> str:
    """Turn the surrogate escapes the parser uses for undecodable header bytes back into characters."""
    if not _SURROGATES.search(value):
        return value
    try:
        raw = value.encode("utf-8", errors="surrogateescape")
    except UnicodeEncodeError:
        return _SURROGATES.sub("\ufffd", value)
    return raw.decode("utf-8", errors=_FALLBACK_ERRORS)


def decode_rfc2047(value: str) -> str:
    """Decode RFC 2047 encoded words; adjacent words in one charset are joined before decoding."""
    pieces: list[str] = []
    pending = bytearray()
    pending_charset = ""
    position = 0

    def flush() -> None:
        if pending:
            pieces.append(decode_bytes(bytes(pending), pending_charset))
            pending.clear()

    for match in _ENCODED_WORD.finditer(value):
        between = value[position : match.start()]
        if between and (not pending or between.strip()):
            flush()
            pieces.append(between)
        charset = match.group(1).split("*", 1)[0]
        if pending and charset.lower() != pending_charset.lower():
            flush()
        pending_charset = charset
        pending.extend(_decode_encoded_word(match.group(2), match.group(3)))
        position = match.end()
    flush()
    pieces.append(value[position:])
    return "".join(pieces)


def _decode_encoded_word(encoding: str, text: str) -> bytes:
    if encoding.lower() == "q":
        # Raw 8-bit bytes inside a Q word are common; they were recovered as Latin-1 range characters.
        return quopri.decodestring(text.replace("_", " ").encode("latin-1", errors="replace"), header=True)
    data = re.sub(r"[^A-Za-z0-9+/]", "", text)
    try:
        return base64.b64decode(data + "=" * (-len(data) % 4))
    except (binascii.Error, ValueError):
        return b""


def raw_header(msg: Message, name: str) -> str | None:
    """The first ``name`` header as stored, unfolded and with undecodable bytes recovered; None if absent."""
    values = raw_headers(msg, name)
    return values[0] if values else None


def raw_headers(msg: Message, name: str) -> list[str]:
    wanted = name.lower()
    values: list[str] = []
    for key, value in msg.raw_items():
        if key.lower() == wanted:
            values.append(clean_text(_FOLD.sub("", str(value))).strip())
    return values


def decoded_header(msg: Message, name: str) -> str:
    """A free-text header (Subject...) decoded and whitespace-collapsed; "" when absent."""
    value = raw_header(msg, name)
    if value is None:
        return ""
    return collapse_whitespace(decode_rfc2047(value))


def collapse_whitespace(value: str) -> str:
    return _WHITESPACE.sub(" ", value).strip()


def content_type(part: Message) -> str:
    """The lower-cased type/subtype, with RFC 2045's defaults for a missing or malformed value."""
    value = raw_header(part, "content-type")
    kind = value.split(";", 1)[0].strip().lower() if value is not None else ""
    if kind.count("/") == 1:
        return kind
    return part.get_default_type() if value is None else "text/plain"


def header_param(part: Message, param: str, header: str = "content-type") -> str | None:
    try:
        value = part.get_param(param, header=header)
    except Exception:  # malformed parameters (RFC 2231 continuations gone wrong...)
        return None
    if isinstance(value, tuple):
        charset, _language, text = value
        raw = text.encode("latin-1", errors="replace") if isinstance(text, str) else b""
        return decode_bytes(raw, charset or "utf-8")
    return clean_text(value) if isinstance(value, str) else None


def disposition(part: Message) -> str:
    value = raw_header(part, "content-disposition") or ""
    return value.split(";", 1)[0].strip().lower()


def is_container(part: Message) -> bool:
    """True for multipart parts we descend into; message/* parts are leaves (attachments or reports)."""
    return content_type(part).startswith("multipart/") and part.is_multipart()


def walk(msg: Message, max_depth: int = MAX_DEPTH) -> Iterator[tuple[Message, int]]:
    """Every part in document order with its depth, without recursion and without descending past max_depth.

    Containers deeper than max_depth are yielded (so callers can note a defect) but not opened.
    """
    stack: list[tuple[Message, int]] = [(msg, 0)]
    while stack:
        part, depth = stack.pop()
        yield part, depth
        if depth < max_depth and is_container(part):
            children = part.get_payload()
            if isinstance(children, list):
                stack.extend((child, depth + 1) for child in reversed(children) if isinstance(child, Message))


def payload_bytes(part: Message) -> bytes:
    """The transfer-decoded payload of a leaf part (base64, quoted-printable, uuencode...)."""
    try:
        data = part.get_payload(decode=True)
    except Exception:  # broken transfer encodings; fall back to the raw text below
        data = None
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    if isinstance(raw, str):
        return raw.encode("utf-8", errors="surrogateescape")
    return b""


def part_charset(part: Message) -> str | None:
    try:
        return part.get_content_charset()
    except Exception:  # malformed RFC 2231 charset parameter
        return None


def text_content(part: Message) -> str:
    """A text part's content as str, whatever its charset claims."""
    return decode_bytes(payload_bytes(part), part_charset(part))


_BRACKETED_ID = re.compile(r"<([^<>]*)>")


def normalise_message_id(value: str) -> str | None:
    """``"<a@b>"`` or ``" a@b "`` -> ``"a@b"``; None when nothing is left."""
    match = _BRACKETED_ID.search(value)
    inner = match.group(1) if match else value.strip().strip("<>")
    identifier = _WHITESPACE.sub("", inner)  # folding can split an id; ids never contain spaces
    return identifier or None


def is_mail_message_id(ref: str) -> bool:
    """An RFC 5322 msg-id has an "@"; the ids we keep for messaging providers ("telegram:…") never do.

    So a mail can neither quote its way into a chat's ticket nor claim a provider's id as its own.
    """
    return "@" in ref


def message_ids(header_value: str | None) -> tuple[str, ...]:
    """All ids in a References / In-Reply-To value, in order and without duplicates.

    Junk between ids (comments, dates from old clients) is ignored; a value without brackets is read as
    bare ids when its tokens contain "@".
    """
    if not header_value:
        return ()
    if "=?" in header_value:
        # Python's own mail writer encodes a References line with one over-long id as encoded words.
        header_value = decode_rfc2047(header_value)
    found = [_WHITESPACE.sub("", inner) for inner in _BRACKETED_ID.findall(header_value)]
    if not found:
        found = [token for token in re.split(r"[\s,]+", header_value) if "@" in token]
    return tuple(dict.fromkeys(identifier for identifier in found if identifier))


_MAX_ADDRESS_HEADER_CHARS = 20_000
"""The stdlib address parser is slow on huge hostile headers; beyond this we only pick out addr-specs."""
# The lookbehind makes every match start at the beginning of a run of address characters: linear time.
_ADDR_SPEC = re.compile(r"(?<![\w.!#$%&'*+/=?^`{|}~-])[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)*")


def addresses(msg: Message, name: str) -> list[tuple[str, str]]:
    """(display name, lower-cased addr-spec) pairs from every ``name`` header; unparseable entries skipped."""
    found: list[tuple[str, str]] = []
    for value in raw_headers(msg, name):
        found.extend(_parse_address_list(name, value))
    return found


def _parse_address_list(name: str, value: str) -> list[tuple[str, str]]:
    if len(value) > _MAX_ADDRESS_HEADER_CHARS:
        return _addr_specs(value)
    try:
        header = email.policy.default.header_factory(name, value)
        parsed = [
            (_display_name(address.display_name), clean_text(address.addr_spec).lower())
            for address in getattr(header, "addresses", ())
        ]
    except Exception:  # the stdlib address parser raises a variety of errors on malformed lists
        return _addr_specs(value)
    return [(display, spec) for display, spec in parsed if spec]


def _display_name(name: str) -> str:
    # The stdlib leaves an encoded word whose charset it cannot decode with (idna, say) as it was.
    return collapse_whitespace(clean_text(decode_rfc2047(name) if "=?" in name else name))


def _addr_specs(value: str) -> list[tuple[str, str]]:
    return [("", spec.lower()) for spec in _ADDR_SPEC.findall(value[: _MAX_ADDRESS_HEADER_CHARS * 10])]
