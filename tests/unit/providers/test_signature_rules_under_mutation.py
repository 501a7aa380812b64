"""Signature and window rules that mutation testing (`make mutate`) found unguarded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sportello.customers.model import Identity, IdentityKind
from sportello.errors import InvalidRequestError
from sportello.outbound.messaging import MessagingOutbound
from sportello.providers.messenger import ADAPTER as MESSENGER
from sportello.providers.registry import ProviderRegistry
from sportello.providers.slack import MAX_CLOCK_SKEW, SlackAdapter, signature_for
from sportello.providers.twilio import compute_signature, verify_signature
from sportello.providers.webhook import ProviderSecrets, VerificationError, WebhookRequest
from sportello.tickets.model import Channel
from tests.fakes import RecordingQueue
from tests.unit.intake.builders import AGENT, Desk

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_a_meta_subscription_handshake_without_a_challenge_is_refused() -> None:
    secrets = ProviderSecrets({"verify_token": "token"})
    query = {"hub.mode": "subscribe", "hub.verify_token": "token"}

    with pytest.raises(VerificationError):
        MESSENGER.handshake(WebhookRequest("GET", "https://desk.example.com/m", {}, query, b""), secrets)


def test_a_slack_request_exactly_five_minutes_old_is_still_fresh() -> None:
    sent = NOW - MAX_CLOCK_SKEW
    timestamp = str(int(sent.timestamp()))
    body = b'{"type": "event_callback"}'
    headers = {
        "x-slack-request-timestamp": timestamp,
        "x-slack-signature": signature_for(body, timestamp, "secret"),
    }
    request = WebhookRequest("POST", "https://desk.example.com/s", headers, {}, body)

    SlackAdapter(clock=lambda: NOW).verify(request, ProviderSecrets({"signing_secret": "secret"}))

    with pytest.raises(VerificationError):
        SlackAdapter(clock=lambda: NOW + timedelta(seconds=1)).verify(
            request, ProviderSecrets({"signing_secret": "secret"})
        )


def test_twilio_may_sign_a_url_with_credentials_without_its_port() -> None:
    signed_url = "https://user:pass@desk.example.com/webhooks/twilio-sms"
    body = b"MessageSid=SM1&From=%2B393331234567&Body=ciao"
    signature = compute_signature(
        signed_url, {"Body": ["ciao"], "From": ["+393331234567"], "MessageSid": ["SM1"]}, "t"
    )
    headers = {"x-twilio-signature": signature, "content-type": "application/x-www-form-urlencoded"}
    called_url = "https://user:pass@desk.example.com:8443/webhooks/twilio-sms"

    verify_signature(WebhookRequest("POST", called_url, headers, {}, body), "t")


def test_a_reply_on_a_messaging_ticket_without_an_address_is_refused() -> None:
    desk = Desk()
    receipt = desk.receive(Channel.TELEGRAM, Identity(IdentityKind.TELEGRAM, "42"), "ciao", "telegram:42:1")
    assert receipt.ticket is not None and receipt.ticket.channel_address is None
    outbound = MessagingOutbound(RecordingQueue(), ProviderRegistry(), desk.repo.message_key, desk.clock)
    reply, _ = desk.service.reply(receipt.ticket.number, AGENT, "note", public=False)

    with pytest.raises(InvalidRequestError, match="no telegram address"):
        outbound.send_reply(receipt.ticket, reply, [])
