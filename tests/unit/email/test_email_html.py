"""HTML bodies are made safe to display and readable as plain text."""

from __future__ import annotations

import pytest

from sportello.email.html import html_to_text, sanitise_html


@pytest.mark.parametrize(
    ("dangerous", "marker"),
    [
        ("<script>alert(1)</script>", "alert"),
        ('<p onclick="alert(1)">x</p>', "onclick"),
        ('<img src="x" onerror="alert(1)">', "onerror"),
        ('<a href="javascript:alert(1)">x</a>', "javascript"),
        ('<a href=" JaVaScRiPt:alert(1)">x</a>', "alert"),
        ('<iframe src="https://evil.example"></iframe>', "evil"),
        ('<form action="https://evil.example"><input name="password"></form>', "evil"),
        ("<style>body { display: none }</style>", "display"),
        ('<img src="data:image/svg+xml;base64,PHN2Zz4=">', "data:"),
        ('<div style="position: fixed; top: 0">x</div>', "position"),
        ('<object data="x.swf"></object><embed src="x.swf">', "swf"),
        ("<!--[if mso]><script>x()</script><![endif]-->", "script"),
        ('<div style="width: expression(alert(1))">x</div>', "expression"),
        ('<p style="color: red">x</p>', "style"),
        ('<img src="https://tracker.example/pixel.gif?reader=42" width="1" height="1">', "tracker"),
        ('<img src="HTTP://tracker.example/p.gif">', "tracker"),
    ],
)
def test_sanitising_drops_what_could_run_or_deceive(dangerous: str, marker: str) -> None:
    assert marker.lower() not in sanitise_html(f"<p>safe</p>{dangerous}").lower()


def test_sanitising_keeps_formatting_links_tables_and_inline_images() -> None:
    html = (
        '<p style="color: red">Hi <b>there</b> <a href="https://example.com/x">link</a></p>'
        '<table><tr><td colspan="2">cell</td></tr></table>'
        '<img src="cid:logo@example.com" alt="logo"><img src="https://example.com/i.png" alt="remote">'
    )

    clean = sanitise_html(html)

    assert "<p>Hi <b>there</b>" in clean
    assert '<a href="https://example.com/x" rel="noopener noreferrer nofollow">link</a>' in clean
    assert '<td colspan="2">cell</td>' in clean
    assert '<img src="cid:logo@example.com" alt="logo">' in clean
    assert '<img alt="remote">' in clean, "a remote image keeps its words, not its tracking source"


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>One</p><p>Two</p>", "One\nTwo"),
        ("One<br>Two<br/><br>Three", "One\nTwo\n\nThree"),
        ("<div><div><div>Nested</div></div></div>after", "Nested\nafter"),
        ('<a href="https://example.com">the link text</a>', "the link text"),
        ("<p>Fish &amp; chips &lt;3 &eacute;&#233;&nbsp;!</p>", "Fish & chips <3 éé !"),
        ("<ul><li>one</li><li>two</li></ul>", "- one\n- two"),
        ("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc"),
        ("<pre>  indented\n    code</pre>", "  indented\n    code"),
        ("<head><title>Title</title><style>p {}</style></head><script>x()</script>Body", "Body"),
        ("<p>a</p>\n\n<p></p><p>&nbsp;</p><br><br><br><p>b</p>", "a\n\nb"),
        ("<p>Hi   there,\n   friend</p>", "Hi there, friend"),
        ("", ""),
    ],
)
def test_html_becomes_readable_text(html: str, text: str) -> None:
    assert html_to_text(html) == text


def test_malformed_html_still_gives_its_text() -> None:
    assert html_to_text("<p>Unclosed <b>bold <i>and <div>more") == "Unclosed bold and\nmore"
    assert html_to_text("a < b and c > d") == "a < b and c > d"
