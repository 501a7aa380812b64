"""Parsing inbound mail: pure functions over bytes, no I/O.

``parse_email`` is the entry point; ``quotes``, ``autoreply``, ``bounces`` and ``html`` hold the pieces it
is built from.
"""

from sportello.email.parsing import (
    Address,
    Bounce,
    EmailParseError,
    ParsedAttachment,
    ParsedEmail,
    message_ids,
    normalise_message_id,
    parse_email,
)

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
