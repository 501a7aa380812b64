"""Reply-quote stripping: keep what the customer wrote, drop the history their mail client appended."""

from __future__ import annotations

import re

from sportello.email.html import HtmlDocument, HtmlLine, HtmlToken, sanitise_html

_MAX_ATTRIBUTION_CHARS = 400
"""Attribution lines ("On ..., Bob wrote:") are short; longer lines are never taken for one."""

_RUSSIAN_WROTE = "(?:написал|написала|написали)"
_REPLY_HEADER = re.compile(
    r"""^\s*(?:-{2,}\s*)?(?:
          on\b.{0,300}\bwrote\s*:                 # English
        | il\b.{0,300}\bha\s+scritto\s*:          # Italian: "Il giorno ... ha scritto:", "Il ... ha scritto:"
        | le\b.{0,300}\ba\s+(?:é|e)crit\s*:       # French
        | am\b.{0,300}\bschrieb\b.{0,300}:        # German: "Am 3.4.2012 um 16:19 schrieb Bob <bob@x>:"
        | el\b.{0,300}\bescribi(?:ó|o)\s*:        # Spanish
        | em\b.{0,300}\bescreveu\s*:              # Portuguese
        | op\b.{0,300}\bschreef\b.{0,300}:        # Dutch
        | .{0,300}\b"""
    + _RUSSIAN_WROTE
    + r"""\s*:  # Russian
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_ORIGINAL_MESSAGE = re.compile(
    r"^\s*-{2,}\s*(?:original\s+message|messaggio\s+originale|urspr(?:ü|ue)ngliche\s+nachricht"
    r"|message\s+d'origine|mensaje\s+original|mensagem\s+original|oorspronkelijk\s+bericht)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_FORWARD_MARKER = re.compile(
    r"forwarded\s+message|begin\s+forwarded|messaggio\s+inoltrato|inizio\s+messaggio\s+inoltrato"
    r"|message\s+transf(?:é|e)r(?:é|e)|weitergeleitete\s+nachricht|mensaje\s+reenviado|mensagem\s+encaminhada",
    re.IGNORECASE,
)
_UNDERSCORES = re.compile(r"^\s*_{20,}\s*$")
_MOBILE_SIGNATURE = re.compile(
    r"^\s*(?:sent\s+from\s+my\b|sent\s+from\s+(?:outlook|mail\s+for)\b|get\s+outlook\s+for\b"
    r"|inviato\s+da(?:l\s+mio)?\b|envoy(?:é|e)\s+de\s+mon\b|enviado\s+desde\s+mi\b|enviado\s+do\s+meu\b"
    r"|von\s+meinem\b.{0,40}\bgesendet|gesendet\s+von\b)[^.!?;:]{0,60}$",
    re.IGNORECASE,
)
_HEADER_LINE = re.compile(r"^\s*\*?\s*([^\W\d_]+)\s*\*?\s*:")
_HEADER_NAMES = {
    "from": "from da de von от van od från fra",
    "date": "sent date inviato data envoyé gesendet datum enviado enviada fecha отправлено дата verzonden",
    "to": "to a à an para кому aan",
    "cc": "cc ccn bcc kopie копия",
    "subject": "subject oggetto objet betreff asunto assunto тема onderwerp",
}
_HEADER_KINDS = {name: kind for kind, names in _HEADER_NAMES.items() for name in names.split()}
_DATE_OR_TIME = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{2,4}|\b\d{1,2}:\d{2}\b|\b(?:19|20)\d{2}\b")

_QUOTE_CLASSES = {
    "gmail_quote",
    "gmail_quote_container",
    "yahoo_quoted",
    "moz-cite-prefix",
    "protonmail_quote",
}
_QUOTE_IDS = {
    "divrplyfwdmsg", "outlookmessageheader", "stopspelling", "appendonsend",
    "mail-editor-reference-message-container",
}  # fmt: skip


def strip_quoted(text: str) -> str:
    """The new text of a plain-text reply, without the quoted history and signature; may be "".

    Inline replies (quotes answered line by line) keep their quotes; only the trailing quote goes.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = _without_leading_history(lines)
    start = history_start(lines)
    if start is not None:
        lines = lines[:start]
    return "\n".join(_without_trailing_quote(lines)).strip()


def strip_quoted_html(html: str) -> str:
    """The HTML reply without its quoted history (all of it when nothing else would be left), sanitised."""
    document = HtmlDocument(html)
    cut = _html_history_start(document)
    if cut is None or not document.text_before(cut):
        return sanitise_html(document.source)
    return sanitise_html(document.truncated_at(cut))


def strip_quoted_html_text(document: HtmlDocument) -> str:
    """Plain text of the reply in an HTML body, like ``strip_quoted`` for a text body."""
    cut = _html_history_start(document)
    before = document.text_before(cut) if cut is not None else ""
    return strip_quoted(before or document.text())


def _html_history_start(document: HtmlDocument) -> int | None:
    """Index of the token where the quoted history of an HTML body begins."""
    tokens, lines = document.tokens, document.lines
    cuts = [_quote_container(tokens), _trailing_blockquote(tokens, lines), _history_in_lines(lines)]
    return min((index for index in cuts if index is not None), default=None)


def history_start(lines: list[str]) -> int | None:
    """Index of the first line of quoted history or signature (attribution, separator, header block)."""
    for index, line in enumerate(lines):
        if (
            _is_signature_start(line)
            or _ORIGINAL_MESSAGE.match(line)
            or _reply_header_length(lines, index)
            or _is_underscore_separator(lines, index)
            or _is_header_block(lines, index)
        ):
            return index
    return None


def _is_signature_start(line: str) -> bool:
    return line.rstrip() == "--" or bool(_MOBILE_SIGNATURE.match(line))


def _reply_header_length(lines: list[str], index: int) -> int:
    """1 or 2 when an attribution ("On <date>, <name> wrote:") starts at ``index`` (it may wrap); else 0."""
    line = lines[index]
    if not line.strip() or len(line) > _MAX_ATTRIBUTION_CHARS or _is_quoted(line):
        return 0
    if _ends_with_colon(line):
        return 1 if _REPLY_HEADER.match(line) else 0
    if index + 1 < len(lines) and _ends_with_colon(lines[index + 1]) and not _is_quoted(lines[index + 1]):
        joined = f"{line.strip()} {lines[index + 1].strip()}"
        # A wrapped attribution carries a date or an address; plain prose ending in "wrote:" does not.
        if (
            len(joined) <= _MAX_ATTRIBUTION_CHARS
            and _REPLY_HEADER.match(joined)
            and _has_date_or_address(joined)
        ):
            return 2
    return 0


def _ends_with_colon(line: str) -> bool:
    """Every attribution ends with a colon: a cheap test before the expensive pattern."""
    return line.rstrip().endswith(":")


def _has_date_or_address(text: str) -> bool:
    return "@" in text or bool(_DATE_OR_TIME.search(text))


def _is_underscore_separator(lines: list[str], index: int) -> bool:
    if not _UNDERSCORES.match(lines[index]):
        return False
    return _header_kind(_nearest_text(lines, index + 1, step=1)) == "from"


def _header_kind(line: str) -> str | None:
    match = _HEADER_LINE.match(line)
    return _HEADER_KINDS.get(match.group(1).lower()) if match else None


def _is_header_block(lines: list[str], index: int) -> bool:
    """An Outlook-style "From: / Sent: / To: / Subject:" block, in any language we know, starts here."""
    if _header_kind(lines[index]) is None or (index and _header_kind(lines[index - 1])):
        return False
    kinds = set()
    for line in lines[index : index + 8]:
        kind = _header_kind(line)
        if kind is None:
            break
        kinds.add(kind)
    if "from" not in kinds or len(kinds) < 3:
        return False
    # A forwarded message is the content the customer wants us to read, not history.
    return not _FORWARD_MARKER.search(_nearest_text(lines, index - 1, step=-1))


def _nearest_text(lines: list[str], start: int, *, step: int) -> str:
    """The first non-blank line from ``start`` onwards (``step`` 1) or backwards (``step`` -1), or ""."""
    index = start
    while 0 <= index < len(lines):
        if lines[index].strip():
            return lines[index]
        index += step
    return ""


def _is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _without_leading_history(lines: list[str]) -> list[str]:
    """Handle bottom-posting: an attribution and quote first, the reply after them."""
    first = next((index for index, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return lines
    header_length = _reply_header_length(lines, first)
    if not header_length:
        return lines
    after_header = first + header_length
    quote_end = after_header
    while quote_end < len(lines) and (_is_quoted(lines[quote_end]) or not lines[quote_end].strip()):
        quote_end += 1
    rest = lines[quote_end:]
    if quote_end == after_header or any(_is_quoted(line) for line in rest):
        return lines[after_header:]  # inline reply: its quotes give the answers their context
    return rest


def _without_trailing_quote(lines: list[str]) -> list[str]:
    end = len(lines)
    quoted = False
    while end and (_is_quoted(lines[end - 1]) or not lines[end - 1].strip()):
        quoted = quoted or _is_quoted(lines[end - 1])
        end -= 1
    if quoted:
        end -= _attribution_length(lines[:end])
    return lines[:end]


def _attribution_length(lines: list[str]) -> int:
    """How many of the last lines introduce the quote that followed them (0, 1 or 2)."""
    if not lines:
        return 0
    for length in (2, 1):
        if len(lines) >= length and _reply_header_length(lines, len(lines) - length) == length:
            return length
    last = lines[-1]
    if not _looks_like_attribution(last):
        return 0
    # Clients that wrap the attribution leave the date on the line before the "... wrote:" line.
    if len(lines) > 1 and _DATE_OR_TIME.search(lines[-2]) and not _DATE_OR_TIME.search(last):
        return 2
    return 1


def _looks_like_attribution(line: str) -> bool:
    text = line.strip()
    return len(text) <= _MAX_ATTRIBUTION_CHARS and text.endswith(":") and _has_date_or_address(text)


def _history_in_lines(lines: list[HtmlLine]) -> int | None:
    start = history_start([line.text for line in lines])
    return None if start is None else lines[start].first_token


def _quote_container(tokens: list[HtmlToken]) -> int | None:
    for index, token in enumerate(tokens):
        if token.kind != "start":
            continue
        classes = set(token.attr("class").lower().split())
        if classes & _QUOTE_CLASSES or token.attr("id").lower() in _QUOTE_IDS:
            return index
    return None


def _trailing_blockquote(tokens: list[HtmlToken], lines: list[HtmlLine]) -> int | None:
    """Start of the first top-level <blockquote> with nothing visible after it (or of its attribution)."""
    depth = 0
    candidate: int | None = None
    for index, token in enumerate(tokens):
        if token.tag == "blockquote" and token.kind == "start":
            if depth == 0 and candidate is None:
                candidate = index
            depth += 1
        elif token.tag == "blockquote" and token.kind == "end":
            depth = max(depth - 1, 0)
        elif depth == 0 and _is_visible(token):
            candidate = None
    if candidate is None:
        return None
    before = [line for line in lines if line.last_token <= candidate and line.text]
    if before and _looks_like_attribution(before[-1].text):
        return before[-1].first_token
    return candidate


def _is_visible(token: HtmlToken) -> bool:
    return (token.kind == "text" and bool(token.text.strip())) or (
        token.kind == "start" and token.tag == "img"
    )
