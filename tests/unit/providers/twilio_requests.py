"""Twilio webhook requests for the tests: form bodies from the corpus or from Twilio's documented
parameter lists, signed with the algorithm that test_twilio.py proves against Twilio's own vectors."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from sportello.providers.twilio import compute_signature, parse_form
from sportello.providers.webhook import ProviderSecrets, WebhookRequest
from tests.conftest import CORPUS

TWILIO_CORPUS = CORPUS / "webhooks" / "twilio_sms"
AUTH_TOKEN = "test-auth-token"
SECRETS = ProviderSecrets({"auth_token": AUTH_TOKEN})
NOW = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)


def fixed_clock() -> datetime:
    return NOW


def corpus_forms() -> list[Path]:
    return sorted(TWILIO_CORPUS.glob("*.form.txt"))


def signed_request(url: str, body: bytes, auth_token: str = AUTH_TOKEN) -> WebhookRequest:
    signature = compute_signature(url, parse_form(body), auth_token)
    headers = {"x-twilio-signature": signature, "content-type": "application/x-www-form-urlencoded"}
    query = dict(parse_qsl(urlsplit(url).query))
    return WebhookRequest("POST", url, headers, query, body)


def form_request(url: str, params: Mapping[str, str]) -> WebhookRequest:
    return signed_request(url, urlencode(params).encode())
