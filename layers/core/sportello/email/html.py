"""HTML bodies: sanitising for display and converting to plain text (stdlib parser, no network)."""

from __future__ import annotations

import re
from collections import Counter
from html import escape, unescape
from html.parser import HTMLParser
from typing import Literal, NamedTuple

import nh3

MAX_HTML_CHARS = 500_000
"""Longer HTML is cut before text conversion: html.parser manages about a megabyte a second at best."""
_MAX_NESTING = 500
"""html5ever (in nh3) slows down quadratically with block nesting; no real mail nests this deep."""

_ALLOWED_TAGS = {
    "a", "abbr", "b", "bdi", "bdo", "blockquote", "br", "caption", "center", "cite", "code", "col",
    "colgroup", "dd", "del", "dfn", "div", "dl", "dt", "em", "font", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span",
    "strike", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "u",
    "ul", "var",
}  # fmt: skip
# No style attribute at all: nh3 checks a declaration's property, not its value, so
# `width: expression(…)` or a url() would pass; what formatting tags carry is enough to read a mail.
_ALLOWED_ATTRIBUTES = {
    "*": {"dir", "lang", "title", "align"},
    "a": {"href", "name"},
    "img": {"src", "alt", "width", "height"},
    "font": {"color", "face", "size"},
    "table": {"border", "cellpadding", "cellspacing", "width", "bgcolor"},
    "td": {"colspan", "rowspan", "width", "valign", "bgcolor"},
    "th": {"colspan", "rowspan", "width", "valign", "bgcolor"},
    "tr": {"valign", "bgcolor"},
    "col": {"span", "width"},
    "colgroup": {"span", "width"},
    "ol": {"start", "type"},
    "li": {"value"},
    "blockquote": {"cite"},
}
_STRUCTURE_ATTRIBUTES = {
    **_ALLOWED_ATTRIBUTES,
    "*": _ALLOWED_ATTRIBUTES["*"] | {"class", "id"},
    "blockquote": _ALLOWED_ATTRIBUTES["blockquote"] | {"type"},
}
# cid: lets inline images point at their MIME part; the viewer rewrites those links.
_URL_SCHEMES = {"http", "https", "mailto", "tel", "cid"}
_DROPPED_WITH_CONTENT = {"script", "style", "title", "head", "template", "object", "embed", "iframe"}

# Tags whose content never reaches the reader.
_INVISIBLE = {"script", "style", "title", "head", "template", "xml", "noscript"}
_BLOCKS = {
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hr", "html", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "tfoot", "thead",
    "tr", "ul",
}  # fmt: skip
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "wbr"}
_NESTING_TAG = re.compile(
    r"<(/?)(?:address|article|aside|blockquote|center|details|dialog|dir|div|dl|fieldset|figcaption|figure"
    r"|footer|header|hgroup|listing|main|menu|nav|ol|optgroup|pre|section|summary|table|ul|xmp)\b",
    re.IGNORECASE,
)
_TAG = re.compile(r"<[^<>]*>")
_NEWLINE = re.compile("\n")
_SPACES = re.compile(r"[ \t\r\n\f\v\xa0]+")
_INVISIBLE_CHARS = re.compile("[\u200b-\u200f\u2060\ufeff]")


def sanitise_html(html: str) -> str:
    """Keep formatting, links, tables and inline (cid:) images; drop scripts, styles, forms, handlers and
    remote images."""
    return _cleaned(html, _ALLOWED_ATTRIBUTES)


def _cleaned(html: str, attributes: dict[str, set[str]]) -> str:
    return nh3.clean(
        _defused(html),
        tags=_ALLOWED_TAGS,
        clean_content_tags=_DROPPED_WITH_CONTENT,
        attributes=attributes,
        url_schemes=_URL_SCHEMES,
        attribute_filter=_no_remote_images,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def _no_remote_images(tag: str, attribute: str, value: str) -> str | None:
    """Drops an image's remote source: fetched on display, it tells the sender who read the mail and
    when (a tracking pixel). Inline images (cid:) are parts of the mail itself and stay."""
    if tag == "img" and attribute == "src" and not value.strip().lower().startswith("cid:"):
        return None
    return value


def _defused(html: str) -> str:
    """``html`` itself, or just its text when block elements nest deeper than any real mail does."""
    slashes = _NESTING_TAG.findall(html)  # "/" for an end tag, "" for a start tag
    if len(slashes) <= _MAX_NESTING:
        return html
    depth = 0
    for slash in slashes:
        depth = depth - 1 if slash else depth + 1
        if depth > _MAX_NESTING:
            return escape(unescape(_TAG.sub(" ", html)))
        depth = max(depth, 0)
    return html


class HtmlToken(NamedTuple):
    kind: Literal["start", "end", "text"]
    position: tuple[int, int]
    """(line, column) in the source, as html.parser counts them."""
    tag: str = ""
    text: str = ""
    attrs: tuple[tuple[str, str | None], ...] = ()

    def attr(self, name: str) -> str:
        return next((value or "" for key, value in self.attrs if key == name), "")

    @property
    def breaks_line(self) -> bool:
        return self.kind != "text" and (self.tag in _BLOCKS or (self.tag == "br" and self.kind == "start"))


class HtmlLine(NamedTuple):
    text: str
    first_token: int
    """Index of the token that opened the line (the block tag or <br> before it): where to cut the HTML."""
    last_token: int
    """Index of the token that closed the line."""


class HtmlDocument:
    """An HTML body, sanitised and tokenised once: its visible text as lines, and where they sit.

    Tokenising nh3's well-formed output keeps html.parser linear; class and id attributes survive so
    that quote containers (gmail_quote, divRplyFwdMsg...) can still be recognised.
    """

    def __init__(self, html: str) -> None:
        self.source = _cleaned(html[:MAX_HTML_CHARS], _STRUCTURE_ATTRIBUTES)
        self.tokens = _tokenize(self.source)
        self.lines = _lines(self.tokens)

    def text(self) -> str:
        return join_lines([line.text for line in self.lines])

    def text_before(self, token_index: int) -> str:
        return join_lines([line.text for line in self.lines if line.last_token <= token_index])

    def truncated_at(self, token_index: int) -> str:
        """The source up to a token, with the elements still open there closed."""
        line, column = self.tokens[token_index].position
        # html.parser numbers lines by "\n" alone, so offsets must be computed the same way.
        line_starts = [0, *(match.end() for match in _NEWLINE.finditer(self.source))]
        offset = line_starts[min(line - 1, len(line_starts) - 1)] + column
        return self.source[:offset] + _closing_tags(self.tokens[:token_index])


class _Tokenizer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tokens: list[HtmlToken] = []
        self._invisible_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tokens.append(HtmlToken("start", self.getpos(), tag, attrs=tuple(attrs)))
        if tag in _INVISIBLE:
            self._invisible_depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tokens.append(HtmlToken("start", self.getpos(), tag, attrs=tuple(attrs)))

    def handle_endtag(self, tag: str) -> None:
        self.tokens.append(HtmlToken("end", self.getpos(), tag))
        if tag in _INVISIBLE and self._invisible_depth:
            self._invisible_depth -= 1

    def handle_data(self, data: str) -> None:
        if not self._invisible_depth:
            self.tokens.append(HtmlToken("text", self.getpos(), text=_INVISIBLE_CHARS.sub("", data)))


def _tokenize(html: str) -> list[HtmlToken]:
    """Start tags, end tags and visible text (comments, scripts and styles dropped)."""
    tokenizer = _Tokenizer()
    tokenizer.feed(html)
    tokenizer.close()
    return tokenizer.tokens


def _lines(tokens: list[HtmlToken]) -> list[HtmlLine]:
    """The visible text as lines, the way a mail client lays it out.

    Block boundaries end a line only when it has text (so nested <div>s do not pile up blank lines);
    <br> always does.
    """
    lines: list[HtmlLine] = []
    current: list[str] = []
    start = 0
    pre_depth = 0

    def end_line(next_start: int, *, forced: bool) -> None:
        nonlocal current, start
        text = "".join(current)
        text = text.rstrip() if pre_depth else text.strip()
        if text or forced:
            lines.append(HtmlLine(text, start, next_start))
            current, start = [], next_start

    for index, token in enumerate(tokens):
        if token.kind == "text":
            if pre_depth:
                first, *rest = token.text.split("\n")
                current.append(first)
                for line in rest:
                    end_line(index, forced=True)
                    current.append(line)
            else:
                current.append(_SPACES.sub(" ", token.text))
            continue
        if token.breaks_line:
            end_line(index, forced=token.tag == "br")
            if token.kind == "start" and token.tag == "li":
                current.append("- ")
        elif token.tag in {"td", "th"} and token.kind == "end":
            current.append(" ")
        if token.tag == "pre":
            pre_depth = pre_depth + 1 if token.kind == "start" else max(pre_depth - 1, 0)
    end_line(len(tokens), forced=False)
    return lines


def join_lines(lines: list[str]) -> str:
    """Join lines, keeping at most one blank line between paragraphs."""
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    return "\n".join(kept).rstrip("\n")


def html_to_text(html: str) -> str:
    """Plain text of an HTML body: blocks and <br> become line breaks, links keep their text."""
    return HtmlDocument(html).text()


def _closing_tags(tokens: list[HtmlToken]) -> str:
    """End tags for elements still open after ``tokens``, so a truncated document stays well formed."""
    open_tags: list[str] = []
    open_counts: Counter[str] = Counter()
    for token in tokens:
        if token.kind == "start" and token.tag not in _VOID:
            open_tags.append(token.tag)
            open_counts[token.tag] += 1
        elif token.kind == "end" and open_counts[token.tag]:
            while (closed := open_tags.pop()) != token.tag:
                open_counts[closed] -= 1
            open_counts[closed] -= 1
    return "".join(f"</{tag}>" for tag in reversed(open_tags))
