"""What Twilio's SMS and voice webhooks share: the signature, the form body, phone numbers, TwiML.

Secrets (`ProviderSecrets.values`) of both Twilio providers, "twilio-sms" and "twilio-voice":
- `auth_token`: the account's Auth Token (Console → Account → API keys & tokens); signs every webhook
  and authenticates our API calls.
- `account_sid`: the Account SID (`AC…`, same page); the API path and the Basic-auth user.
- `from_number`: the Twilio number (E.164) replies are sent from, or instead
- `messaging_service_sid`: a Messaging Service (`MG…`, Console → Messaging → Services) that sends them.

The signature (`X-Twilio-Signature`) is the algorithm of twilio-python's `RequestValidator`:
base64(HMAC-SHA1(auth_token, full URL + every POST parameter's name and value, by name)). It has no
timestamp, so it cannot expire: redelivery is caught by the pipeline's idempotency on the message or
call SID instead.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs, parse_qsl, urlsplit
from xml.sax.saxutils import escape, quoteattr

from ..clock import utc_now
from .webhook import (
    PayloadError,
    ProviderSecrets,
    VerificationError,
    WebhookRequest,
    WebhookResponse,
)

SIGNATURE_HEADER = "X-Twilio-Signature"
BODY_HASH_PARAMETER = "bodySHA256"  # in the URL of a signed JSON body
DEFAULT_PORTS = {"https": 443, "http": 80}
MAX_FORM_FIELDS = 1000

Clock = Callable[[], datetime]


# --- the signature -------------------------------------------------------------------------------


def compute_signature(url: str, params: Mapping[str, Sequence[str]], auth_token: str) -> str:
    """Twilio's X-Twilio-Signature for a request to `url` with these POST parameters.

    Each name's distinct values are signed in order, as twilio-python does (its duplicate-parameter
    test vector only matches with repeated values counted once).
    """
    signed = url + "".join(name + value for name in sorted(params) for value in sorted(set(params[name])))
    digest = hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def url_variants(url: str) -> tuple[str, ...]:
    """The URL as given, without its port and with the scheme's standard port.

    Twilio's signing side is not consistent about ports, so its own validator accepts any of them.
    """
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return (url,)
    if port is not None:
        without_port = parts._replace(netloc=parts.netloc.rsplit(":", 1)[0]).geturl()
        return (url, without_port)
    standard_port = DEFAULT_PORTS.get(parts.scheme)
    if standard_port is None:
        return (url,)
    return (url, parts._replace(netloc=f"{parts.netloc}:{standard_port}").geturl())


def verify_signature(request: WebhookRequest, auth_token: str) -> None:
    """Raises VerificationError unless X-Twilio-Signature signs this URL and body."""
    signature = request.header(SIGNATURE_HEADER)
    if not signature:
        raise VerificationError(f"no {SIGNATURE_HEADER} header")
    params = _signed_params(request)
    candidates = (compute_signature(url, params, auth_token) for url in url_variants(request.url))
    if not any(hmac.compare_digest(candidate, signature) for candidate in candidates):
        raise VerificationError(f"{SIGNATURE_HEADER} does not match")


def _signed_params(request: WebhookRequest) -> Mapping[str, Sequence[str]]:
    """The form parameters; for a JSON body, none (the URL signs the body's SHA-256 instead)."""
    body_hash = body_hash_in_url(request.url)
    if body_hash is None:
        try:
            return parse_form(request.body)
        except PayloadError as error:
            raise VerificationError(f"the body cannot be verified: {error}") from error
    actual = hashlib.sha256(request.body).hexdigest()
    if not hmac.compare_digest(actual, body_hash.lower()):
        raise VerificationError(f"the body does not match {BODY_HASH_PARAMETER}")
    return {}


def body_hash_in_url(url: str) -> str | None:
    values = parse_qs(urlsplit(url).query).get(BODY_HASH_PARAMETER)
    return values[0] if values else None


# --- the form body -------------------------------------------------------------------------------


def parse_form(body: bytes) -> dict[str, list[str]]:
    """An application/x-www-form-urlencoded body, blank values kept (Twilio signs them too)."""
    try:
        pairs = parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=True,
            errors="strict",
            max_num_fields=MAX_FORM_FIELDS,
        )
    except (UnicodeDecodeError, ValueError) as error:
        raise PayloadError(f"not a form-encoded body: {error}") from error
    fields: dict[str, list[str]] = {}
    for name, value in pairs:
        fields.setdefault(name, []).append(value)
    return fields


@dataclass(frozen=True)
class TwilioForm:
    """A webhook's parameters, read one value at a time."""

    fields: Mapping[str, Sequence[str]]

    @classmethod
    def of(cls, request: WebhookRequest) -> TwilioForm:
        return cls(parse_form(request.body))

    def get(self, name: str) -> str:
        values = self.fields.get(name)
        return values[0].strip() if values else ""

    def first(self, *names: str) -> str:
        return next((value for name in names if (value := self.get(name))), "")

    def require(self, *names: str) -> str:
        value = self.first(*names)
        if not value:
            raise PayloadError(f"a Twilio payload without {' or '.join(names)}")
        return value


def is_json_body(request: WebhookRequest) -> bool:
    """Twilio's JSON-bodied webhooks (not SMS nor voice): they carry bodySHA256 in the URL."""
    return body_hash_in_url(request.url) is not None


def url_without_query(url: str) -> str:
    return urlsplit(url)._replace(query="", fragment="").geturl()


def query_value(url: str, name: str) -> str:
    values = parse_qs(urlsplit(url).query).get(name)
    return values[0].strip() if values else ""


# --- phone numbers -------------------------------------------------------------------------------

_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
_WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")
_FORMATTING = re.compile(r"[\s().\-]")
# What carriers put in From when the caller withheld their number: keypad spellings of ANONYMOUS,
# RESTRICTED, UNKNOWN, BLOCKED and UNAVAILABLE. They are nobody's number.
WITHHELD_NUMBERS = frozenset({"+266696687", "+7378742833", "+8656696", "+2562533", "+86282452253"})


def whole_number(value: str) -> int | None:
    """A non-negative integer parameter (seconds, media), or None when it is not one."""
    return int(value) if _WHOLE_NUMBER.fullmatch(value) else None


def e164(raw: str) -> str | None:
    """The number in E.164 (`+` and digits), or None for anything that is not someone's phone."""
    number = _FORMATTING.sub("", raw)
    if number.startswith("00"):
        number = "+" + number[2:]
    if not _E164.fullmatch(number) or number in WITHHELD_NUMBERS:
        return None
    return number


# --- TwiML ---------------------------------------------------------------------------------------

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'


def twiml(*verbs: str) -> WebhookResponse:
    return WebhookResponse(200, f"{XML_DECLARATION}<Response>{''.join(verbs)}</Response>", "text/xml")


def twiml_verb(name: str, text: str = "", **attributes: str) -> str:
    rendered = "".join(f" {key}={quoteattr(value)}" for key, value in attributes.items())
    if not text:
        return f"<{name}{rendered}/>"
    return f"<{name}{rendered}>{escape(text)}</{name}>"


EMPTY_TWIML = twiml()


# --- what both adapters share ----------------------------------------------------------------------


class TwilioAdapter:
    """Verification and clock of a Twilio webhook adapter; SMS and voice add parse and acknowledgement."""

    def __init__(self, clock: Clock = utc_now) -> None:
        self._clock = clock

    def handshake(self, request: WebhookRequest, secrets: ProviderSecrets) -> WebhookResponse | None:
        return None  # Twilio subscribes by configuration in its console: there is no handshake

    def verify(self, request: WebhookRequest, secrets: ProviderSecrets) -> None:
        verify_signature(request, secrets.require("auth_token"))
