"""What Meta's three adapters share: X-Hub-Signature-256, the hub.challenge handshake, robust parsing.

Meta's signature carries no timestamp, so there is no expiry to test: a replayed delivery verifies, and
the pipeline's idempotency (provider message ids) is what makes it harmless.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sportello.providers import instagram, messenger, whatsapp
from sportello.providers.meta import signature_for, timestamp
from sportello.providers.webhook import (
    PayloadError,
    ProviderAdapter,
    ProviderSecrets,
    Unsupported,
    VerificationError,
    WebhookRequest,
)

from .json_fuzz import broken_variants, events_or_payload_error
from .meta_requests import (
    APP_SECRET,
    INSTAGRAM_CORPUS,
    MESSENGER_CORPUS,
    SECRETS,
    URL,
    VERIFY_TOKEN,
    WHATSAPP_CORPUS,
    corpus,
    handshake_request,
    signed,
)

ADAPTERS: list[ProviderAdapter] = [whatsapp.ADAPTER, messenger.ADAPTER, instagram.ADAPTER]
BODY = b'{"object":"page","entry":[]}'


@pytest.mark.parametrize("adapter", ADAPTERS, ids=lambda adapter: adapter.name)
class TestSignature:
    def test_a_body_signed_with_the_app_secret_verifies(self, adapter: ProviderAdapter) -> None:
        adapter.verify(signed(BODY), SECRETS)

    def test_the_signature_is_meta_s_hex_hmac_sha256(self, adapter: ProviderAdapter) -> None:
        digest = hmac.new(APP_SECRET.encode(), BODY, hashlib.sha256).hexdigest()
        request = WebhookRequest("POST", URL, {"x-hub-signature-256": f"sha256={digest}"}, {}, BODY)
        adapter.verify(request, SECRETS)
        assert signature_for(BODY, APP_SECRET) == f"sha256={digest}"

    def test_a_tampered_body_fails(self, adapter: ProviderAdapter) -> None:
        request = signed(BODY)
        tampered = WebhookRequest("POST", URL, request.headers, {}, BODY.replace(b"[]", b"[{}]"))
        with pytest.raises(VerificationError):
            adapter.verify(tampered, SECRETS)

    def test_another_secret_fails(self, adapter: ProviderAdapter) -> None:
        with pytest.raises(VerificationError):
            adapter.verify(signed(BODY, app_secret="someone-else"), SECRETS)

    @pytest.mark.parametrize("header", ["", "sha256=", "sha1=abc", "sha256=" + "0" * 64, "sha256=ünïcode"])
    def test_a_malformed_or_wrong_header_fails(self, adapter: ProviderAdapter, header: str) -> None:
        request = WebhookRequest("POST", URL, {"x-hub-signature-256": header}, {}, BODY)
        with pytest.raises(VerificationError):
            adapter.verify(request, SECRETS)

    def test_a_missing_header_fails(self, adapter: ProviderAdapter) -> None:
        with pytest.raises(VerificationError, match="missing"):
            adapter.verify(WebhookRequest("POST", URL, {}, {}, BODY), SECRETS)

    def test_without_a_configured_app_secret_nothing_verifies(self, adapter: ProviderAdapter) -> None:
        with pytest.raises(VerificationError, match="app_secret"):
            adapter.verify(signed(BODY, app_secret=""), ProviderSecrets({"app_secret": ""}))

    def test_a_replayed_delivery_still_verifies(self, adapter: ProviderAdapter) -> None:
        request = signed(BODY)
        adapter.verify(request, SECRETS)
        adapter.verify(request, SECRETS)  # no timestamp in Meta's scheme: idempotency handles replays


GOOD_HANDSHAKE = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}


@pytest.mark.parametrize("adapter", ADAPTERS, ids=lambda adapter: adapter.name)
class TestHandshake:
    def test_the_right_token_gets_the_challenge_back_as_text(self, adapter: ProviderAdapter) -> None:
        response = adapter.handshake(handshake_request(GOOD_HANDSHAKE), SECRETS)
        assert response is not None
        assert (response.status, response.body, response.content_type) == (200, "1158201444", "text/plain")

    @pytest.mark.parametrize(
        "change",
        [
            {"hub.verify_token": "wrong"},
            {"hub.verify_token": ""},
            {"hub.mode": "unsubscribe"},
            {"hub.challenge": ""},
        ],
    )
    def test_anything_else_is_refused(self, adapter: ProviderAdapter, change: dict[str, str]) -> None:
        with pytest.raises(VerificationError):
            adapter.handshake(handshake_request({**GOOD_HANDSHAKE, **change}), SECRETS)

    def test_a_missing_verify_token_is_refused(self, adapter: ProviderAdapter) -> None:
        query = {key: value for key, value in GOOD_HANDSHAKE.items() if key != "hub.verify_token"}
        with pytest.raises(VerificationError):
            adapter.handshake(handshake_request(query), SECRETS)

    def test_without_a_configured_verify_token_nothing_subscribes(self, adapter: ProviderAdapter) -> None:
        with pytest.raises(VerificationError, match="verify_token"):
            adapter.handshake(handshake_request(GOOD_HANDSHAKE), ProviderSecrets({"app_secret": APP_SECRET}))

    def test_a_delivery_is_not_a_handshake(self, adapter: ProviderAdapter) -> None:
        assert adapter.handshake(signed(BODY), SECRETS) is None
        assert adapter.handshake(handshake_request({}), SECRETS) is None
        assert adapter.handshake(handshake_request(GOOD_HANDSHAKE, method="POST"), SECRETS) is None

    def test_the_acknowledgement_is_an_empty_200(self, adapter: ProviderAdapter) -> None:
        response = adapter.acknowledgement(signed(BODY))
        assert (response.status, response.body) == (200, "")


# --- parsing any body without raising anything but PayloadError -------------------------------------

CORPORA = [
    (whatsapp.ADAPTER, corpus(WHATSAPP_CORPUS)),
    (messenger.ADAPTER, corpus(MESSENGER_CORPUS)),
    (instagram.ADAPTER, corpus(INSTAGRAM_CORPUS)),
]


@pytest.mark.parametrize(("adapter", "files"), CORPORA, ids=["whatsapp", "messenger", "instagram"])
def test_broken_variants_of_every_payload_give_events_or_payload_error(
    adapter: ProviderAdapter, files: list[Path]
) -> None:
    assert files, "the corpus is missing"
    for path in files:
        for body in broken_variants(path.read_bytes()):
            events_or_payload_error(adapter, signed(body))


@pytest.mark.parametrize("adapter", ADAPTERS, ids=lambda adapter: adapter.name)
@pytest.mark.parametrize(
    "body",
    [b"", b"{}", b"[]", b"null", b"\xff", b'{"object": "x", "entry": []}', b'{"entry": {}}', b"[" * 50_000],
)
def test_what_is_not_a_meta_payload_is_a_payload_error(adapter: ProviderAdapter, body: bytes) -> None:
    with pytest.raises(PayloadError):
        adapter.parse(signed(body))


@pytest.mark.parametrize(
    ("adapter", "object_name"),
    [
        (whatsapp.ADAPTER, "whatsapp_business_account"),
        (messenger.ADAPTER, "page"),
        (instagram.ADAPTER, "instagram"),
    ],
    ids=["whatsapp", "messenger", "instagram"],
)
def test_another_product_s_payload_is_refused_and_an_empty_one_recorded(
    adapter: ProviderAdapter, object_name: str
) -> None:
    other = "page" if object_name != "page" else "instagram"
    with pytest.raises(PayloadError, match=object_name):
        adapter.parse(signed(f'{{"object": "{other}", "entry": []}}'.encode()))
    empty = adapter.parse(signed(f'{{"object": "{object_name}", "entry": []}}'.encode()))
    assert empty == [Unsupported("empty", "the payload holds no event")]


# --- timestamps ----------------------------------------------------------------------------------------

MOMENT = datetime(2023, 10, 11, 16, 53, 43, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [
        1697043223,
        "1697043223",
        1697043223000,
        "1697043223000",
        1697043223.0,
        "2023-10-11T16:53:43+0000",
        "2023-10-11T18:53:43+02:00",
        "2023-10-11T16:53:43",
    ],
)
def test_timestamps_in_seconds_milliseconds_or_iso_become_aware_utc(value: object) -> None:
    parsed = timestamp(value)
    assert parsed == MOMENT
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "value", [None, True, "", "yesterday", [], {}, float("nan"), float("inf"), 10**30, "1e400"]
)
def test_what_is_not_a_time_is_a_payload_error(value: object) -> None:
    with pytest.raises(PayloadError):
        timestamp(value)
