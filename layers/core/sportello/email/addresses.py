"""Which addresses we can answer through SES, and in which form.

SES sends to internationalised domains in their IDNA (punycode) form, but refuses SMTPUTF8 mailboxes:
a local part outside ASCII cannot be written to. Checked before anything is stored, so a ticket never
exists that no reply can reach (and a form post is answered 422, not 500 after the write).
"""

from __future__ import annotations

import re

MAX_ADDRESS_LENGTH = 254  # RFC 5321's path limit, less the angle brackets
MAX_LOCAL_PART_LENGTH = 64
# RFC 5322 dot-atom: the characters a local part may hold without quoting.
_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_DOMAIN_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")


class UnanswerableAddressError(ValueError):
    """An address we could never send to; the message says why, in words an agent or a visitor reads."""


def sendable_address(address: str) -> str:
    """`address` as SES accepts it: ASCII local part, IDNA domain, lower-cased.

    Raises UnanswerableAddressError for anything else.
    """
    if any(char.isspace() or not char.isprintable() for char in address):
        raise UnanswerableAddressError("an email address holds no spaces, line breaks or control characters")
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise UnanswerableAddressError(f"{address!r} is not an email address")
    if not local.isascii():
        raise UnanswerableAddressError(
            f"{address!r} has non-ASCII characters before the @, which our mail service cannot send to"
        )
    if len(local) > MAX_LOCAL_PART_LENGTH or not _DOT_ATOM.fullmatch(local):
        raise UnanswerableAddressError(f"{address!r} is not an email address")
    ascii_domain = _ascii_domain(domain.rstrip(".").lower())
    sendable = f"{local.lower()}@{ascii_domain}"
    if len(sendable) > MAX_ADDRESS_LENGTH:
        raise UnanswerableAddressError(f"{address!r} is longer than an email address may be")
    return sendable


def _ascii_domain(domain: str) -> str:
    try:
        encoded = domain.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise UnanswerableAddressError(f"{domain!r} is not a domain name") from error
    labels = encoded.split(".")
    if len(labels) < 2 or not all(_DOMAIN_LABEL.fullmatch(label) for label in labels):
        raise UnanswerableAddressError(f"{domain!r} is not a domain name")
    return encoded
