"""Signed reply addresses: reply+<ticket>.<signature>@domain.

The signature is an HMAC of the ticket number, so only mail we sent can carry a valid address; a
forged or guessed one is simply not trusted for threading.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

REPLY_LOCAL_PART = "reply"
_SIGNATURE_BYTES = 10
_ADDRESS = re.compile(r"^reply\+(?P<number>\d{1,12})\.(?P<signature>[a-z2-7]{16})@(?P<domain>.+)$")


class ReplyTokens:
    def __init__(self, secret: str, domain: str) -> None:
        if not secret:
            raise ValueError("the reply-token secret is empty")
        self._key = secret.encode()
        self._domain = domain.lower()

    def _signature(self, number: int) -> str:
        digest = hmac.new(self._key, f"ticket:{number}".encode(), hashlib.sha256).digest()
        # Lower-case base32: survives mail systems that change the case of local parts.
        return base64.b32encode(digest[:_SIGNATURE_BYTES]).decode().lower()

    def address(self, number: int) -> str:
        return f"{REPLY_LOCAL_PART}+{number}.{self._signature(number)}@{self._domain}"

    def ticket_number(self, address: str) -> int | None:
        """The ticket a reply address names, or None when it is not one of ours or is forged."""
        match = _ADDRESS.match(address.strip().lower())
        if not match or match["domain"] != self._domain:
            return None
        number = int(match["number"])
        if not hmac.compare_digest(match["signature"], self._signature(number)):
            return None
        return number
