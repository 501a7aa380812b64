"""Every file of the shared corpus either parses or is refused with EmailParseError, and nothing else."""

from __future__ import annotations

import email
import functools
import random
import re
from email import policy
from pathlib import Path

import pytest
from email_corpus import CORPUS, corpus_files, corpus_id, read

from sportello.email import EmailParseError, ParsedEmail, parse_email

ALL_FILES = corpus_files()
# Files that hold no mail message: documentation, HTML bodies without headers, bare winmail.dat
# payloads, and CPython's msg_19, a digest body whose header fields were cut off.
NOT_MAIL = re.compile(r"(^|/)(README|UPSTREAM_README)\.md$|\.html$|\.tnef$|^cpython_email/msg_19\.txt$")


def parse_or_refuse(raw: bytes) -> ParsedEmail | None:
    try:
        return parse_email(raw)
    except EmailParseError:
        return None


@functools.cache
def parsed_file(path: Path) -> ParsedEmail | None:
    return parse_or_refuse(path.read_bytes())


def stdlib_body_text(raw: bytes) -> str:
    """The visible body text as the stdlib sees it, independently of our parser ("" when it cannot tell)."""
    try:
        part = email.message_from_bytes(raw, policy=policy.default).get_body(("plain", "html"))
        content = part.get_content() if part is not None else ""
    except Exception:
        return ""
    if not isinstance(content, str):
        return ""
    if part is not None and part.get_content_type() == "text/html":
        content = re.sub(r"<(script|style|head)\b.*?</\1>|<[^>]*>|&nbsp;", " ", content, flags=re.S | re.I)
    return content.strip()


def test_the_corpus_is_there() -> None:
    assert CORPUS.is_dir(), f"shared corpus missing at {CORPUS}"
    assert len(ALL_FILES) > 250


@pytest.mark.parametrize("path", ALL_FILES, ids=corpus_id)
def test_each_file_parses_or_is_refused_cleanly(path: Path) -> None:
    parsed = parsed_file(path)

    if parsed is None:
        assert NOT_MAIL.search(corpus_id(path)), "a mail message was refused"
        return
    for value in (parsed.subject, parsed.text, parsed.display_text, parsed.html or ""):
        value.encode("utf-8")  # no lone surrogates left over from undecodable bytes
    assert all(a.filename and not re.search(r"[/\\]", a.filename) for a in parsed.attachments)
    if stdlib_body_text(path.read_bytes()):
        assert parsed.text.strip(), "the message has a text body but no text was extracted"
        assert parsed.display_text.strip()


def test_only_non_mail_files_are_refused() -> None:
    refused = {corpus_id(path) for path in ALL_FILES if parsed_file(path) is None}
    non_mail = {corpus_id(path) for path in ALL_FILES if NOT_MAIL.search(corpus_id(path))}

    assert refused == non_mail
    print(f"parsed {len(ALL_FILES) - len(refused)}, refused {len(refused)} of {len(ALL_FILES)}")


@pytest.mark.parametrize("name", ["arf-01.eml", "lhost-activehunter-01.eml", "lhost-amavis-01.eml"])
def test_bare_cr_line_endings_parse_like_crlf(name: str) -> None:
    mac = parse_email(read(f"sisimai_set-of-emails/mac_CR/{name}"))
    dos = parse_email(read(f"sisimai_set-of-emails/dos_CRLF/{name}"))

    assert mac.subject and mac.subject == dos.subject
    assert mac.sender == dos.sender
    assert mac.text == dos.text
    assert "BareCarriageReturnLineEndings" in mac.defects


def test_mutated_corpus_mail_never_raises_anything_but_parse_errors() -> None:
    rng = random.Random(20240501)
    sources = [path.read_bytes() for path in ALL_FILES if path.stat().st_size < 50_000]
    junk = [b"\x00", b"\r", b"\n\n", b"--", b"=?utf-8?B?", b"boundary=", b"(((", b"\xff\xfe", b'"',
            b"Content-Type: multipart/mixed; boundary=x\n", b"Content-Type: message/rfc822\n",
            b"Content-Type: message/delivery-status\n", b"filename*0*=utf-8''%FF", b"charset=zlib",
            b"Content-Transfer-Encoding: base64\n", b"<blockquote>", b"<div class=gmail_quote>"]  # fmt: skip

    for _ in range(250):
        data = bytearray(rng.choice(sources))
        for _ in range(rng.randint(1, 6)):
            position = rng.randint(0, len(data))
            if rng.random() < 0.5:
                data[position:position] = rng.choice(junk)
            else:
                del data[position : position + rng.randint(1, 40)]
        parsed = parse_or_refuse(bytes(data))
        if parsed is not None:
            parsed.text.encode("utf-8")
