"""Hypothesis strategies for raw mail: real mails from the shared corpus, mutated, and mails built from parts.

Each mutation breaks one thing mail parsers trip on: header values, MIME boundaries, charsets (labels
Python knows but cannot decode with, like idna and punycode, and labels nobody knows), transfer
encodings, nesting depth, very long lines, NUL bytes, line endings, truncation.
"""

from __future__ import annotations

import base64
import quopri
import re
from collections.abc import Callable
from functools import cache

from hypothesis import strategies as st

from tests.conftest import CORPUS

Mutation = Callable[[st.DrawFn, bytes], bytes]

# Charset labels: ordinary ones, ones Python knows but that break decoding, ones nobody knows.
CHARSETS = (
    "utf-8",
    "us-ascii",
    "iso-8859-1",
    "windows-1252",
    "iso-2022-jp",
    "gb18030",
    "utf-16",
    "utf-32",
    "utf-8-sig",
    "utf-7",
    "idna",
    "punycode",
    "cp037",
    "base64",
    "rot13",
    "zlib",
    "unknown-8bit",
    "x-unknown",
    "no-such-charset",
    "",
    '"',
    "utf-8*it",
)
TRANSFER_ENCODINGS = (
    "7bit",
    "8bit",
    "binary",
    "base64",
    "BASE64 ",
    "quoted-printable",
    "x-uuencode",
    "uuencode",
    "x-gzip",
    "",
)
CONTENT_TYPES = (
    "text/plain",
    "text/html",
    "multipart/mixed",
    "multipart/alternative",
    "multipart/related",
    "multipart/report",
    "message/rfc822",
    "message/delivery-status",
    "text/rfc822-headers",
    "application/octet-stream",
    "application/ms-tnef",
    "image/png",
    "text",
    "/",
    "",
)
HEADER_NAMES = (
    "From",
    "To",
    "Cc",
    "Reply-To",
    "Subject",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "References",
    "Content-Type",
    "Content-Transfer-Encoding",
    "Content-Disposition",
    "Content-Language",
    "Auto-Submitted",
    "Precedence",
    "Return-Path",
    "MIME-Version",
)
SEEDED_REFERENCE = "seeded-reply@desk.example.com"
"""A Message-ID the fuzzed desk has sent: a mail that quotes it threads onto ticket #1."""

_HEADER_BLOCK_END = re.compile(rb"\r?\n\r?\n")
_CHARSET_PARAMETER = re.compile(rb"""charset\s*=\s*("[^"]*"|[^\s;]*)""", re.IGNORECASE)
_ENCODING_HEADER = re.compile(rb"(?im)^(content-transfer-encoding:)[^\r\n]*")
_BOUNDARY_PARAMETER = re.compile(rb"""boundary\s*=\s*("[^"]*"|[^\s;]*)""", re.IGNORECASE)
_CLOSING_BOUNDARY = re.compile(rb"(?m)^--[^\r\n]*--\s*$")


@cache
def corpus_mails() -> tuple[bytes, ...]:
    """Every mail of the shared corpus (the READMEs, HTML bodies and TNEF files beside them are not)."""
    paths = sorted((CORPUS / "email").rglob("*"))
    return tuple(path.read_bytes() for path in paths if path.suffix in {".eml", ".txt"})


def header_text() -> st.SearchStrategy[bytes]:
    """A header value as a hostile sender writes it: any text, encoded words, raw 8-bit bytes, folds."""
    return st.one_of(
        st.text(max_size=300).map(lambda text: text.encode("utf-8", "surrogatepass")),
        st.binary(max_size=300),
        st.builds(_encoded_word, st.sampled_from(CHARSETS), st.sampled_from("BQbq"), st.binary(max_size=60)),
        st.sampled_from(
            (
                b"",
                b"<>",
                b"<@>",
                b'"" <>',
                b"=?utf-8?Q?=C3=A8?= <x@y>",
                b"undisclosed-recipients:;",
                b"a@b, , ,c@d",
                b"<" + b"x" * 3_000 + b"@example.org>",
                b"\xfc\xe4ser@ex\xe4mple.org",
                b"\xc3\xbcser@ex\xc3\xa4mple.org",
                b"Re: [#1] again",
                b"text/plain; charset=idna",
                b"multipart/mixed; boundary=",
                b"auto-replied",
                b"x\r\n folded\r\n\tand folded",
            )
        ),
    )


def _encoded_word(charset: str, encoding: str, data: bytes) -> bytes:
    text = base64.b64encode(data) if encoding in "Bb" else quopri.encodestring(data, header=True)
    return b"=?" + charset.encode() + b"?" + encoding.encode() + b"?" + text + b"?="


def _split(raw: bytes) -> tuple[bytes, bytes]:
    found = _HEADER_BLOCK_END.search(raw)
    if found is None:
        return raw, b""
    return raw[: found.start()], raw[found.start() :]


def _header_lines(headers: bytes) -> list[bytes]:
    """Header fields with their folded continuation lines joined to them."""
    fields: list[bytes] = []
    for line in headers.splitlines(keepends=True):
        if fields and line[:1] in (b" ", b"\t"):
            fields[-1] += line
        else:
            fields.append(line)
    return fields


# --- mutations -------------------------------------------------------------------------------------


def prepend_header(draw: st.DrawFn, raw: bytes) -> bytes:
    """A header put first, where it wins over the mail's own one of the same name."""
    name = draw(st.sampled_from(HEADER_NAMES)).encode()
    return name + b": " + draw(header_text()) + b"\n" + raw


def remove_header(draw: st.DrawFn, raw: bytes) -> bytes:
    headers, body = _split(raw)
    name = draw(st.sampled_from(HEADER_NAMES)).lower().encode() + b":"
    kept = [field for field in _header_lines(headers) if not field.lower().startswith(name)]
    return b"".join(kept) + body


def replace_charsets(draw: st.DrawFn, raw: bytes) -> bytes:
    charset = draw(st.sampled_from(CHARSETS)).encode()
    return _CHARSET_PARAMETER.sub(b"charset=" + charset, raw)


def replace_transfer_encodings(draw: st.DrawFn, raw: bytes) -> bytes:
    encoding = draw(st.sampled_from(TRANSFER_ENCODINGS)).encode()
    if not _ENCODING_HEADER.search(raw):
        return b"Content-Transfer-Encoding: " + encoding + b"\n" + raw
    return _ENCODING_HEADER.sub(lambda match: match.group(1) + b" " + encoding, raw)


def break_boundaries(draw: st.DrawFn, raw: bytes) -> bytes:
    how = draw(st.sampled_from(("rename", "empty", "drop closing", "duplicate closing")))
    if how == "rename":
        return _BOUNDARY_PARAMETER.sub(b'boundary="' + draw(st.binary(max_size=80)) + b'"', raw)
    if how == "empty":
        return _BOUNDARY_PARAMETER.sub(b'boundary=""', raw)
    if how == "drop closing":
        return _CLOSING_BOUNDARY.sub(b"", raw)
    return _CLOSING_BOUNDARY.sub(lambda match: match.group(0) + b"\n" + match.group(0), raw)


def nest(draw: st.DrawFn, raw: bytes) -> bytes:
    """The mail wrapped in `depth` multipart layers: around and beyond the walker's depth limit."""
    depth = draw(st.one_of(st.integers(1, 10), st.integers(45, 55), st.integers(56, 300)))
    headers, body = _split(raw)
    inner = b"Content-Type: text/plain; charset=utf-8\n" + body
    for level in range(depth):
        boundary = b"nest-%d" % level
        inner = b"Content-Type: multipart/mixed; boundary=" + boundary + b"\n\n--" + boundary + b"\n" + inner
        inner += b"\n--" + boundary + b"--\n"
    kept = [field for field in _header_lines(headers) if not field.lower().startswith(b"content-type:")]
    return b"".join(kept) + b"\nMIME-Version: 1.0\n" + inner


def insert_long_line(draw: st.DrawFn, raw: bytes) -> bytes:
    at = draw(st.integers(0, len(raw)))
    length = draw(st.sampled_from((999, 1_001, 10_000, 200_000)))
    filler = draw(st.sampled_from((b"x", b"=", b"\xe8", b"ab ", b"=?utf-8?B?w6g=?= ")))
    return raw[:at] + b"\n" + (filler * length)[:length] + b"\n" + raw[at:]


def insert_nuls(draw: st.DrawFn, raw: bytes) -> bytes:
    positions = draw(st.lists(st.integers(0, len(raw)), min_size=1, max_size=8))
    for at in sorted(positions, reverse=True):
        raw = raw[:at] + b"\x00" + raw[at:]
    return raw


def overwrite_bytes(draw: st.DrawFn, raw: bytes) -> bytes:
    if not raw:
        return raw
    at = draw(st.integers(0, len(raw) - 1))
    return raw[:at] + draw(st.binary(min_size=1, max_size=16)) + raw[at + 1 :]


def truncate(draw: st.DrawFn, raw: bytes) -> bytes:
    return raw[: draw(st.integers(0, len(raw)))]


def change_line_endings(draw: st.DrawFn, raw: bytes) -> bytes:
    lf = raw.replace(b"\r\n", b"\n")
    return lf.replace(b"\n", draw(st.sampled_from((b"\r\n", b"\r", b"\n\r", b"\r\r\n"))))


def thread_onto_seeded_ticket(draw: st.DrawFn, raw: bytes) -> bytes:
    """Quotes what the desk sent on ticket #1, so the threading paths run too, not only new tickets."""
    header = draw(st.sampled_from((b"In-Reply-To", b"References")))
    return header + b": <" + SEEDED_REFERENCE.encode() + b">\n" + raw


MUTATIONS: tuple[Mutation, ...] = (
    prepend_header,
    remove_header,
    replace_charsets,
    replace_transfer_encodings,
    break_boundaries,
    nest,
    insert_long_line,
    insert_nuls,
    overwrite_bytes,
    truncate,
    change_line_endings,
    thread_onto_seeded_ticket,
)


@st.composite
def mutated_corpus_mail(draw: st.DrawFn) -> bytes:
    """A real mail from the corpus with one to three mutations applied."""
    raw = draw(st.sampled_from(corpus_mails()))
    for mutation in draw(st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=3)):
        raw = mutation(draw, raw)
    return raw


# --- mails built from parts --------------------------------------------------------------------------


@st.composite
def part(draw: st.DrawFn, depth: int = 0) -> bytes:
    """One MIME entity: drawn headers over a drawn body, or (twice at most) a multipart of such parts."""
    charset = draw(st.sampled_from(CHARSETS))
    encoding = draw(st.sampled_from(TRANSFER_ENCODINGS))
    kind = draw(st.sampled_from(CONTENT_TYPES))
    headers = [
        b"Content-Type: " + kind.encode() + b"; charset=" + charset.encode(),
        b"Content-Transfer-Encoding: " + encoding.encode(),
    ]
    if draw(st.booleans()):
        disposition = draw(st.sampled_from((b"attachment", b"inline", b"")))
        headers.append(b"Content-Disposition: " + disposition + b'; filename="' + draw(header_text()) + b'"')
    if kind.startswith("multipart/") and depth < 2:
        boundary = b"b%d" % depth
        headers[0] += b"; boundary=" + boundary
        children = draw(st.lists(part(depth + 1), min_size=0, max_size=3))
        body = b"".join(b"--" + boundary + b"\n" + child + b"\n" for child in children)
        body += b"--" + boundary + b"--\n" if draw(st.booleans()) else b""
    else:
        body = draw(st.one_of(st.binary(max_size=400), st.text(max_size=400).map(_encoded_in(charset))))
    return b"\n".join(headers) + b"\n\n" + body


def _encoded_in(charset: str) -> Callable[[str], bytes]:
    def encode(text: str) -> bytes:
        try:
            return text.encode(charset)
        except (LookupError, UnicodeError, TypeError, ValueError):
            return text.encode("utf-8", "surrogatepass")

    return encode


@st.composite
def generated_mail(draw: st.DrawFn) -> bytes:
    """A mail assembled from drawn top-level headers and a drawn MIME body."""
    names = draw(st.lists(st.sampled_from(HEADER_NAMES[:9]), max_size=9))
    headers = b"".join(name.encode() + b": " + draw(header_text()) + b"\n" for name in names)
    return headers + b"MIME-Version: 1.0\n" + draw(part())


def raw_mail() -> st.SearchStrategy[bytes]:
    return st.one_of(mutated_corpus_mail(), generated_mail())
