"""The defects of issue 14 that other branches fix, which the fuzz tests tolerate until then, exactly.

Each tolerance names its item; remove it when that fix is merged (the fuzz tests then guard the fix).
"""

from __future__ import annotations

import traceback

from sportello.email.parsing import parse_email

MALFORMED_META_MESSAGE = "unsupported:malformed"
"""Item 9: a malformed message inside a valid Meta envelope is only logged as Unsupported("malformed"),
with no quarantine record (providers/meta.py `parse_each`, intake/messaging.py). Found by the fuzz tests
with, among others, `{"object": "page", "entry": [null]}` (Messenger, Instagram alike) and a WhatsApp
body whose `entry` holds a list instead of an object."""

_CRASHING_CODECS = frozenset({"idna", "punycode"})


def is_idna_or_punycode_crash(error: BaseException) -> bool:
    """Item 14: charsets `idna` and `punycode` crash body and header decoding (email/mime.py
    `decode_bytes`, which retries them with errors="replace", a handler these two codecs refuse).

    Found by the fuzz tests with `Content-Type: text/plain; charset=idna` over the body `\x80`, with
    `Subject: =?idna?B?/A?=`, and with `punycode` in place of `idna` (a UnicodeDecodeError there)."""
    return isinstance(error, UnicodeError) and any(
        frame.f_code.co_name == "decode_bytes" and frame.f_locals.get("codec") in _CRASHING_CODECS
        for frame, _ in traceback.walk_tb(error.__traceback__)
    )


def crashes_on_idna_or_punycode(raw: bytes) -> bool:
    """Whether parsing `raw` fails with item 14's crash (the receiver only reports it as a reason)."""
    try:
        parse_email(raw)
    except UnicodeError as error:
        return is_idna_or_punycode_crash(error)
    return False
