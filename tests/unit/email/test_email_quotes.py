"""Quoted history and signatures are removed from replies; what the customer wrote stays."""

from __future__ import annotations

from pathlib import Path

import pytest
from email_corpus import corpus_files, read

from sportello.email import parse_email
from sportello.email.html import html_to_text
from sportello.email.quotes import strip_quoted, strip_quoted_html

# The new text of each of talon's client replies, read from the fixtures: everything else is quoted.
TALON_REPLIES = {
    "android.eml": "Hello",
    "aol.eml": "Hello",
    "apple_mail.eml": "Hello",
    "apple_mail_2.eml": "Hello",
    "comcast.eml": "Hello",
    "gmail.eml": "Hello",
    "hotmail.eml": "Hello",
    "iphone.eml": "Hello",
    "outlook.eml": "Hello",
    "sparrow.eml": "Hello",
    "thunderbird.eml": "Hello",
    "yahoo.eml": "Hello",
}
QUOTE_MARKERS = ("wrote:", "написал", "Original Message", "From:", "Sent:", "Sent from my", "Sparrow")


@pytest.mark.parametrize(("name", "reply"), TALON_REPLIES.items())
def test_client_replies_keep_only_the_new_text(name: str, reply: str) -> None:
    parsed = parse_email(read(f"mailgun_talon/{name}"))

    assert parsed.display_text == reply
    assert not any(line.lstrip().startswith(">") for line in parsed.display_text.splitlines())
    assert not any(marker in parsed.display_text for marker in QUOTE_MARKERS)
    assert any(marker in parsed.text for marker in (*QUOTE_MARKERS, "> Hi")), "the fixture has a quote"


def test_a_long_reply_loses_only_its_quoted_booking_inquiry() -> None:
    parsed = parse_email(read("mailgun_talon/reply-quotations-share-block.eml"))

    assert parsed.display_text.startswith("Hi Katharine.")
    assert parsed.display_text.endswith("Joe XXX")
    assert "wrote:" not in parsed.display_text
    assert "New Booking Inquiry" in parsed.text
    assert "New Booking Inquiry" not in parsed.display_text


@pytest.mark.parametrize(
    "path", corpus_files("mailgun_talon/html_replies/*.html"), ids=lambda path: path.name
)
def test_html_replies_lose_the_quoted_message(path: Path) -> None:
    html = path.read_text(encoding="utf-8")

    reply = html_to_text(strip_quoted_html(html))

    assert "Hello! How are you?" in html_to_text(html)
    assert "Hello! How are you?" not in reply
    assert "Sasha" not in reply
    assert reply.split() == ["Hi.", "I", "am", "fine.", "Thanks,", "Alex"]


@pytest.mark.parametrize(
    "quoted",
    [
        "On Mon, Apr 2, 2012 at 6:26 PM, Megan <megan@example.com> wrote:\n> Hi",
        "On Mon, Apr 2, 2012 at 6:26 PM, Megan One <\nmegan@example.com> wrote:\n\n> Hi",
        "Il giorno lun 2 apr 2012 alle ore 18:26 Megan <megan@example.com> ha scritto:\n> Ciao",
        "Il 02/04/2012 18:26, Megan ha scritto:\n> Ciao",
        "Le lun. 2 avr. 2012 à 18:26, Megan <megan@example.com> a écrit :\n> Salut",
        "Am 02.04.2012 um 18:26 schrieb Megan <megan@example.com>:\n> Hallo",
        "El lun, 2 abr 2012 a las 18:26, Megan (<megan@example.com>) escribió:\n> Hola",
        "Em seg., 2 de abr. de 2012 às 18:26, Megan <megan@example.com> escreveu:\n> Olá",
        "-----Original Message-----\nFrom: Megan\nSent: Monday\nTo: Desk\nSubject: Help\n\nHi",
        "----- Original Message -----\nFrom: Megan\nTo: Desk\n\nHi",
        "-----Messaggio originale-----\nDa: Megan\nInviato: lunedì\nA: Desk\nOggetto: Aiuto\n\nCiao",
        "________________________________\nFrom: Megan <megan@example.com>\nSent: Monday\n\nHi",
        "________________________________\nDa: Megan <megan@example.com>\nInviato: lunedì\n\nCiao",
        "From: Megan [mailto:megan@example.com]\nSent: Monday, April 2, 2012\nTo: Desk\nSubject: Help\n\nHi",
        "Da: Megan <megan@example.com>\nInviato: lunedì 2 aprile 2012 18:26\nA: Desk\nOggetto: Aiuto\n\nCiao",
        "Sent from my iPhone\n\nOn 2 Apr 2012, at 18:26, Megan wrote:\n> Hi",
        "Inviato da iPhone",
        "-- \nMario Rossi\nACME S.r.l.",
        "> Hi\n> how are you?\n",
    ],
)
def test_quoted_history_after_the_reply_is_removed(quoted: str) -> None:
    assert strip_quoted(f"Grazie, ora funziona.\n\n{quoted}") == "Grazie, ora funziona."


def test_a_bottom_posted_reply_keeps_the_text_after_the_quote() -> None:
    text = "On 04/02/2012 06:26 PM, Megan wrote:\n> Is it fixed?\n\nYes, it works now."

    assert strip_quoted(text) == "Yes, it works now."


def test_inline_replies_keep_their_quotes_but_not_the_trailing_one() -> None:
    text = "> Which browser?\nFirefox.\n\n> Which version?\n128.\n\n> Thanks\n> The desk"

    assert strip_quoted(text) == "> Which browser?\nFirefox.\n\n> Which version?\n128."


def test_a_forwarded_message_is_content_not_history() -> None:
    forwarded = "---------- Forwarded message ---------\nFrom: Bob\nDate: Mon\nTo: Alice\nSubject: x\n\nBody"
    text = f"See below.\n\n{forwarded}"

    assert strip_quoted(text) == text


def test_text_without_history_is_unchanged() -> None:
    text = "Hello,\nmy order 1234 never arrived: can you check?\n\nFrom Rome, with thanks\nMario"

    assert strip_quoted(text) == text


def test_html_without_quotes_is_returned_sanitised() -> None:
    assert strip_quoted_html('<p onclick="x()">Hello</p><script>bad()</script>') == "<p>Hello</p>"


def test_an_html_bottom_reply_under_a_trailing_quote_is_kept_whole() -> None:
    html = "<blockquote type=cite>Is it fixed?</blockquote><p>Yes.</p>"

    assert html_to_text(strip_quoted_html(html)) == "Is it fixed?\nYes."
