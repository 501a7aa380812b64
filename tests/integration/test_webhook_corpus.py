"""Every webhook payload of ../shared/corpus/webhooks/, signed as its provider signs, through the pipeline.

Each is accepted (200), stored, queued and processed without an error; messages become tickets,
statuses and other kinds never do; a second delivery of everything creates nothing more.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from sportello.app import sportello
from sportello.providers.registry import ProviderRegistry
from sportello.providers.webhook import CallRecord, ChannelMessage, WebhookRequest
from sportello.tickets.ports import TicketQuery
from tests.conftest import CORPUS

from .messaging import (
    meta_headers,
    post_webhook,
    process_inbound,
    slack_headers,
    telegram_headers,
    twilio_headers,
    webhook_url,
)

WEBHOOKS = CORPUS / "webhooks"
FOLDERS = {
    "whatsapp": "whatsapp_cloud/split",
    "messenger": "facebook_messenger",
    "instagram": "instagram",
    "telegram": "telegram",
    "slack": "slack",
}


def corpus_deliveries() -> list[tuple[str, Path]]:
    deliveries = [
        (provider, path)
        for provider, folder in FOLDERS.items()
        for path in sorted((WEBHOOKS / folder).glob("*.json"))
    ]
    deliveries += [("twilio-sms", path) for path in sorted((WEBHOOKS / "twilio_sms").glob("*.form.txt"))]
    return deliveries


def signed(provider: str, path: Path) -> tuple[bytes, dict[str, str]]:
    body = path.read_bytes()
    if provider in ("whatsapp", "messenger", "instagram"):
        return body, meta_headers(body)
    if provider == "telegram":
        return body, telegram_headers()
    if provider == "slack":
        return body, slack_headers(body)
    params = dict(parse_qsl(body.decode().strip(), keep_blank_values=True))
    return body.strip(), twilio_headers(webhook_url(provider), params)


def deliver_all(deliveries: list[tuple[str, Path]]) -> Counter[int]:
    statuses: Counter[int] = Counter()
    for provider, path in deliveries:
        body, headers = signed(provider, path)
        statuses[post_webhook(provider, body, headers)["statusCode"]] += 1
    return statuses


def _ticket_count() -> int:
    active = sportello().tickets.find(TicketQuery(limit=100)).items
    return len(active)


def opens_conversations(provider: str, path: Path) -> bool:
    """Whether the delivery holds a customer's message or call (anything else must open no ticket)."""
    body, headers = signed(provider, path)
    request = WebhookRequest("POST", webhook_url(provider), headers, {}, body)
    parsed = ProviderRegistry.adapter(provider).parse(request)
    return any(isinstance(event, ChannelMessage | CallRecord) for event in parsed)


def test_statuses_reactions_and_account_events_never_open_tickets(cloud, fake_providers):
    others = [delivery for delivery in corpus_deliveries() if not opens_conversations(*delivery)]
    assert len(others) > 20, "the corpus has statuses, reactions and account events"

    deliver_all(others)
    processed = process_inbound()

    assert processed == len(others) - sum(b'"url_verification"' in p.read_bytes() for _, p in others)
    assert sportello().tickets.find(TicketQuery(view="all", limit=100)).items == []


def test_every_corpus_payload_is_accepted_and_processed(cloud, fake_providers):
    deliveries = corpus_deliveries()
    assert len(deliveries) > 100, "the shared webhook corpus is missing"

    statuses = deliver_all(deliveries)
    processed = process_inbound()

    assert statuses == Counter({200: len(deliveries)})
    # A subscription handshake (Slack's url_verification) is answered at once and never queued.
    handshakes = sum(1 for _, path in deliveries if b'"url_verification"' in path.read_bytes())
    assert processed == len(deliveries) - handshakes, (
        "a delivery failed processing (it would be retried, then dead-lettered)"
    )
    assert sportello().quarantine.recent().items == [], "a corpus payload was not understood"
    assert _ticket_count() > 0
    fetched = [
        r
        for r in fake_providers.requests
        if any(w in r["action"].lower() for w in ("media", "file", "download"))
    ]
    assert fetched, "media in the corpus must be fetched from the provider"


def test_redelivering_the_corpus_creates_nothing(cloud, fake_providers):
    deliveries = corpus_deliveries()
    deliver_all(deliveries)
    process_inbound()
    before = _ticket_count()
    messages_before = sum(
        len(sportello().tickets.history(t.number).messages)
        for t in sportello().tickets.find(TicketQuery(limit=100)).items
    )

    deliver_all(deliveries)
    process_inbound()

    assert _ticket_count() == before
    after = sum(
        len(sportello().tickets.history(t.number).messages)
        for t in sportello().tickets.find(TicketQuery(limit=100)).items
    )
    assert after == messages_before


@pytest.mark.parametrize("provider", ["whatsapp", "telegram", "slack", "twilio-sms"])
def test_unsigned_or_badly_signed_deliveries_leave_nothing(cloud, provider):
    path = next(p for prov, p in corpus_deliveries() if prov == provider)
    body, headers = signed(provider, path)
    missing = {"content-type": headers["content-type"]}
    if provider == "telegram":
        # Telegram proves itself with a shared secret header, not a signature of the body.
        forged_body, forged_headers = body, {**headers, "x-telegram-bot-api-secret-token": "guess"}
    else:
        forged_body, forged_headers = body.replace(b"a", b"b", 1), headers

    assert post_webhook(provider, forged_body, forged_headers)["statusCode"] == 401
    assert post_webhook(provider, body, missing)["statusCode"] == 401
    assert process_inbound() == 0
    assert list(cloud.s3.list_objects_v2(Bucket=cloud.bucket, Prefix="webhooks/").get("Contents", [])) == []


def test_unknown_provider_is_404(cloud):
    assert post_webhook("carrier-pigeon", b"{}", {"content-type": "application/json"})["statusCode"] == 404
