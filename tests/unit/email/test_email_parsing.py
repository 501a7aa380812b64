"""parse_email: headers, threading ids, bodies, charsets, attachments, and what it refuses."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone

import pytest
from email_corpus import read

from sportello.email import Address, EmailParseError, message_ids, normalise_message_id, parse_email


def mail(headers: str, body: str = "Hello", *, extra: bytes = b"") -> bytes:
    return (
        f"From: Mario Rossi <Mario.Rossi@Example.COM>\nTo: help@example.com\n{headers}\n\n{body}\n".encode()
        + extra
    )


def multipart(*parts: str, kind: str = "mixed") -> bytes:
    body = "".join(f"--XYZ\n{part}\n" for part in parts) + "--XYZ--\n"
    return mail(f'Subject: parts\nContent-Type: multipart/{kind}; boundary="XYZ"', body)


# Threading headers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<a@b>", "a@b"),
        (" a@b ", "a@b"),
        ("<a@b> (comment)", "a@b"),
        ("<\n a@b>", "a@b"),
        ("", None),
        ("<>", None),
    ],
)
def test_message_ids_are_normalised(value: str, expected: str | None) -> None:
    assert normalise_message_id(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<a@x> <b@x>\n\t<c@x>", ("a@x", "b@x", "c@x")),
        ("<a@x>,<b@x>", ("a@x", "b@x")),
        ("<a@x> (Mario's message of Monday) <b@x>", ("a@x", "b@x")),
        ("<a@x> <a@x> <b@x>", ("a@x", "b@x")),
        ("a@x", ("a@x",)),
        ("no ids here", ()),
        (None, ()),
    ],
)
def test_message_id_lists_tolerate_junk_and_missing_brackets(
    value: str | None, expected: tuple[str, ...]
) -> None:
    assert message_ids(value) == expected


def test_threading_headers_are_read_even_when_folded() -> None:
    raw = mail(
        "Message-ID:\n <reply-1@mail.example.com>\nIn-Reply-To: <ticket-7@help.example.com>\n"
        "References: <first@mail.example.com>\n <ticket-7@help.example.com>\n\t<second@x>"
    )

    parsed = parse_email(raw)

    assert parsed.message_id == "reply-1@mail.example.com"
    assert parsed.in_reply_to == ("ticket-7@help.example.com",)
    assert parsed.references == ("first@mail.example.com", "ticket-7@help.example.com", "second@x")


def test_a_corpus_reply_keeps_its_threading() -> None:
    parsed = parse_email(read("mailgun_talon/apple_mail_2.eml"))

    assert parsed.message_id == "68001B29-8EA4-444C-A894-0537D2CA5208@tictail.com"
    assert parsed.in_reply_to == ("CABzQGhkMXDxUt_tSVQcg=43aniUhtsVfCZVzu-PG0kwS_uzqMw@mail.gmail.com",)
    assert parsed.references == parsed.in_reply_to


# Addresses, subject, date ------------------------------------------------------------------------------


def test_addresses_are_lower_cased_and_names_decoded() -> None:
    raw = mail(
        "Cc: =?iso-8859-1?Q?J=FCrgen_Schm=FCrgen?= <J.S@Example.de>, plain@example.org\n"
        "Reply-To: Support <Desk@Example.com>"
    )

    parsed = parse_email(raw)

    assert parsed.sender == Address(email="mario.rossi@example.com", name="Mario Rossi")
    assert parsed.reply_to == Address(email="desk@example.com", name="Support")
    assert parsed.to == (Address(email="help@example.com"),)
    assert parsed.cc == (Address("j.s@example.de", "Jürgen Schmürgen"), Address("plain@example.org"))


def test_encoded_and_raw_eight_bit_subjects_are_decoded() -> None:
    assert (
        parse_email(read("zbateson_mail-mime-parser_hunnysoft/m2004.txt")).subject
        == "Die Hasen und die Frösche"
    )
    assert parse_email(read("mimekit/messages_japanese.txt")).subject.startswith("日本語メールテスト")
    raw_latin1 = mail("Subject: Caff\xe8 pronto").replace("è".encode(), b"\xe8")
    assert parse_email(raw_latin1).subject == "Caffè pronto"


def test_the_subject_is_whitespace_collapsed() -> None:
    assert parse_email(mail("Subject: Help\n   with\tmy   order")).subject == "Help with my order"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            "Date: Mon, 2 Apr 2012 18:22:10 +0400",
            datetime(2012, 4, 2, 18, 22, 10, tzinfo=timezone(timedelta(hours=4))),
        ),
        ("Date: Mon, 2 Apr 2012 18:22:10 -0000", datetime(2012, 4, 2, 18, 22, 10, tzinfo=UTC)),
        ("Date: 2 Apr 2012 18:22:10", datetime(2012, 4, 2, 18, 22, 10, tzinfo=UTC)),
        ("Date: yesterday at noon", None),
        ("X-No-Date: 1", None),
    ],
)
def test_dates_are_aware_or_none(header: str, expected: datetime | None) -> None:
    parsed = parse_email(mail(header))

    assert parsed.date == expected
    assert parsed.date is None or parsed.date.tzinfo is not None


# Bodies and charsets -----------------------------------------------------------------------------------


def test_the_plain_part_is_the_text_and_the_html_part_is_sanitised() -> None:
    raw = multipart(
        "Content-Type: text/plain; charset=utf-8\n\nCiao, il mio ordine è in ritardo.",
        'Content-Type: text/html\n\n<p onclick="steal()">Ciao</p><script>steal()</script>',
        kind="alternative",
    )

    parsed = parse_email(raw)

    assert parsed.text == "Ciao, il mio ordine è in ritardo."
    assert parsed.html == "<p>Ciao</p>"


def test_an_html_only_mail_gets_its_text_from_the_html() -> None:
    parsed = parse_email(mail("Content-Type: text/html", "<p>Hello&nbsp;<b>there</b></p><p>Bye</p>"))

    assert parsed.text == "Hello there\nBye"
    assert parsed.display_text == parsed.text


@pytest.mark.parametrize(
    ("charset", "body", "expected"),
    [
        ("utf-7", b"Fr+APY-sche", "Frösche"),
        ("iso-8859-1", "Frösche".encode("latin-1"), "Frösche"),
        ("windows-1252", "Caffè \u2013 €5".encode("cp1252"), "Caffè \u2013 €5"),
        ("x-unknown-charset", "Frösche".encode(), "Frösche"),
        ("x-unknown-charset", "Frösche".encode("latin-1"), "Frösche"),
        ("us-ascii", "Frösche".encode(), "Frösche"),
        ("utf-8", b"Fr\xf6sche \xe2\x82\xac", "Frösche €"),
        ("zlib_codec", b"plain", "plain"),
    ],
)
def test_charsets_decode_without_raising(charset: str, body: bytes, expected: str) -> None:
    raw = mail(f"Content-Type: text/plain; charset={charset}\nContent-Transfer-Encoding: 8bit", "") + body

    assert parse_email(raw).text == expected


@pytest.mark.parametrize("charset", ["idna", "punycode", "IDNA"])
def test_the_charsets_of_domain_labels_are_read_as_unknown_charsets(charset: str) -> None:
    # Given a mail whose body, sender name and subject claim a codec meant for domain names, not text
    raw = (
        f"From: =?{charset}?q?M=FCller?= <m@example.org>\nSubject: =?{charset}?b?w7xiZXI=?=\n"
        f"Content-Type: text/plain; charset={charset}\nContent-Transfer-Encoding: 8bit\n\n"
    ).encode() + "Grüße".encode("latin-1")

    # When it is parsed, then every part falls back as an unknown charset would, and nothing raises
    parsed = parse_email(raw)
    assert (parsed.text, parsed.subject) == ("Grüße", "über")
    assert parsed.sender is not None and parsed.sender.name == "Müller"


@pytest.mark.parametrize(
    "relative",
    ["zbateson_mail-mime-parser_hunnysoft/m0001.txt", "zbateson_mail-mime-parser_hunnysoft/m0010.txt"],
)
def test_legacy_charset_corpus_mail_decodes(relative: str) -> None:
    assert "Die Hasen klagten einst über ihre mißliche Lage" in parse_email(read(relative)).text


def test_a_declared_but_invalid_charset_falls_back() -> None:
    parsed = parse_email(read("zbateson_mail-mime-parser_hunnysoft/invalid-charset.txt"))

    assert parsed.text.startswith("The Hare and the Tortoise")


def test_rfc2231_parameters_are_understood() -> None:
    assert parse_email(read("cpython_email/msg_32.txt")).text == "Some message."
    assert parse_email(read("cpython_email/msg_33.txt")).text == "part 1\n\npart 2"


# Attachments -------------------------------------------------------------------------------------------


def test_a_mail_with_only_an_attachment_keeps_it() -> None:
    parsed = parse_email(read("django-helpdesk/blank-body-with-attachment.eml"))

    assert parsed.text == ""
    assert [(a.filename, a.content_type, a.content) for a in parsed.attachments] == [
        ("baf", "text/plain", b"You shouldn't see this.\n")
    ]


def test_inline_images_keep_their_content_id() -> None:
    parsed = parse_email(read("zbateson_mail-mime-parser_hunnysoft/m2004.txt"))

    images = [a for a in parsed.attachments if a.content_type == "image/png"]
    assert [a.filename for a in images] == ["blueball.png", "redball.png"]
    assert all(a.inline and a.content_id and "<" not in a.content_id for a in images)
    assert images[0].content.startswith(b"\x89PNG")


def test_rfc2231_file_names_are_decoded() -> None:
    parsed = parse_email(read("zbateson_mail-mime-parser_hunnysoft/m3004.txt"))

    assert [a.filename for a in parsed.attachments] == ["HasenundFrösche.txt"]


@pytest.mark.parametrize(
    ("disposition", "filename"),
    [
        ("attachment; filename*0*=utf-8''Fattura%20n%C2%B0; filename*1=\" 12.pdf\"", "Fattura n° 12.pdf"),
        ('attachment; filename="=?utf-8?B?w6hjb2xl?=.pdf"', "ècole.pdf"),
        ('attachment; filename="C:\\\\Users\\\\mario\\\\fattura.pdf"', "fattura.pdf"),
        ('attachment; filename="../../etc/passwd"', "passwd"),
        ('attachment; filename=".."', "attachment-1.pdf"),
        ("attachment", "attachment-1.pdf"),
    ],
)
def test_file_names_are_decoded_stripped_of_paths_or_derived(disposition: str, filename: str) -> None:
    raw = multipart(
        "Content-Type: text/plain\n\nSee attached.",
        f"Content-Type: application/pdf\nContent-Disposition: {disposition}\n"
        "Content-Transfer-Encoding: base64\n\nJVBERi0=",
    )

    (attachment,) = parse_email(raw).attachments

    assert attachment.filename == filename
    assert attachment.content == b"%PDF-"
    assert not attachment.inline


def test_winmail_dat_is_kept_as_an_attachment() -> None:
    assert [a.filename for a in parse_email(read("mimekit/tnef_ukr.eml")).attachments] == ["winmail.dat"]
    raw = multipart("Content-Type: text/plain\n\nHi", "Content-Type: application/ms-tnef\n\nxx")
    assert [a.filename for a in parse_email(raw).attachments] == ["winmail.dat"]


def test_a_forwarded_message_becomes_an_eml_attachment() -> None:
    parsed = parse_email(read("mimekit/messages_simple-embedded-message.eml"))

    (attachment,) = parsed.attachments
    assert attachment.content_type == "message/rfc822"
    assert attachment.filename.endswith(".eml")
    embedded = parse_email(attachment.content)
    assert embedded.subject and embedded.sender is not None


# Refusals and hostile input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"   \r\n\r\n",
        b"\xef\xbb\xbf",
        b"just some words\nwithout any header\n",
        b"\x78\x9f\x3e\x22\x01\x00\x02\x90",
    ],
)
def test_input_without_a_message_is_refused(raw: bytes) -> None:
    with pytest.raises(EmailParseError):
        parse_email(raw)


def test_a_raw_winmail_dat_is_refused() -> None:
    with pytest.raises(EmailParseError, match="no header fields"):
        parse_email(read("mimekit/tnef_raw/winmail.tnef"))


def test_text_instead_of_bytes_is_refused() -> None:
    with pytest.raises(EmailParseError, match="bytes"):
        parse_email("From: a@b.c\n\nhi")  # type: ignore[arg-type]


def nested(depth: int) -> bytes:
    opening = "".join(f'--b{i}\nContent-Type: multipart/mixed; boundary="b{i + 1}"\n\n' for i in range(depth))
    closing = "".join(f"--b{i}--\n" for i in reversed(range(depth + 1)))
    body = f"{opening}--b{depth}\nContent-Type: text/plain\n\ndeep inside\n{closing}"
    return mail('Subject: nested\nContent-Type: multipart/mixed; boundary="b0"', body)


def test_nesting_beyond_the_cap_is_not_walked() -> None:
    parsed = parse_email(nested(80))

    assert "NestingTooDeep" in parsed.defects
    assert parsed.subject == "nested"


def test_nesting_deeper_than_the_stdlib_parser_can_recurse_keeps_the_headers() -> None:
    parsed = parse_email(nested(1500))

    assert "ParserFailed:RecursionError" in parsed.defects
    assert parsed.subject == "nested"
    assert "deep inside" in parsed.text


def test_a_huge_header_with_thousands_of_encoded_words_parses() -> None:
    parsed = parse_email(read("mimekit/messages_stack-overflow.txt"))

    assert parsed.subject == "Message Subject"
    assert parsed.text == "Message Body"


def test_huge_input_is_parsed_in_linear_time() -> None:
    line = "Buongiorno, vi scrivo per il mio ordine. " * 3
    quoted = "\n".join(f"> {line}" for _ in range(20_000))
    big = mail("Subject: big", "\n".join([line] * 50_000) + "\n\nOn Monday, Desk wrote:\n" + quoted)
    hostile_html = mail("Content-Type: text/html", "<div>" * 100_000 + "<p>x</p>" * 100_000)

    started = time.monotonic()
    parsed = parse_email(big)
    parse_email(hostile_html)
    elapsed = time.monotonic() - started

    assert len(big) > 7_000_000
    assert parsed.display_text.count("\n") == 49_999
    assert elapsed < 8, f"took {elapsed:.1f}s: something is quadratic"
