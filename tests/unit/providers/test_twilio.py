"""What both Twilio adapters share: the signature (against Twilio's own test vectors), the form body,
E.164 numbers and TwiML."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from urllib.parse import urlencode

import pytest

from sportello.providers import twilio_sms, twilio_voice
from sportello.providers.twilio import (
    EMPTY_TWIML,
    compute_signature,
    e164,
    parse_form,
    url_variants,
    verify_signature,
)
from sportello.providers.webhook import PayloadError, ProviderSecrets, VerificationError, WebhookRequest

from .twilio_requests import SECRETS, TWILIO_CORPUS, corpus_forms

VECTORS = json.loads((TWILIO_CORPUS / "twilio-python__request_validator_vectors.json").read_text())
TOKEN = VECTORS["auth_token"]
URI = VECTORS["uri"]
PARAMS = VECTORS["params"]
ADAPTERS = [twilio_sms.ADAPTER, twilio_voice.ADAPTER]

# Values of twilio-python's tests/unit/test_request_validator.py (same commit as the corpus file) that
# the corpus file does not carry: the signature of the JSON-body URL and of the URL with the standard
# port added.
JSON_BODY_SIGNATURE = "a9nBmqA0ju/hNViExpshrM61xv4="
HTTPS_WITH_PORT_443_SIGNATURE = "kvajT1Ptam85bY51eRf/AJRuM3w="
HTTP_WITH_PORT_80_SIGNATURE = "0ZXoZLH/DfblKGATFgpif+LLRf4="


def vector_request(url: str = URI, body: bytes | None = None, signature: str | None = None) -> WebhookRequest:
    headers = {} if signature is None else {"x-twilio-signature": signature}
    form = urlencode(PARAMS).encode() if body is None else body
    return WebhookRequest("POST", url, headers, {}, form)


def as_lists(params: dict[str, str]) -> dict[str, list[str]]:
    return {name: [value] for name, value in params.items()}


# --- Twilio's vectors -----------------------------------------------------------------------------


def test_the_signature_of_twilios_vector():
    assert compute_signature(URI, as_lists(PARAMS), TOKEN) == VECTORS["expected_X-Twilio-Signature"]


def test_a_request_signed_like_twilios_vector_is_verified():
    verify_signature(vector_request(signature=VECTORS["expected_X-Twilio-Signature"]), TOKEN)


def test_repeated_parameters_are_signed_sorted_and_once_each():
    params = parse_form(VECTORS["duplicate_params_form"].encode())

    assert params["Digits"] == ["5678", "1234", "1234"]
    assert compute_signature(URI, params, TOKEN) == VECTORS["duplicate_params_expected_signature"]
    verify_signature(
        vector_request(
            body=VECTORS["duplicate_params_form"].encode(),
            signature=VECTORS["duplicate_params_expected_signature"],
        ),
        TOKEN,
    )


def test_a_json_body_is_verified_through_its_sha256_in_the_url():
    body = VECTORS["json_body"].encode()
    url = f"{URI}&bodySHA256={VECTORS['json_body_sha256']}"

    assert hashlib.sha256(body).hexdigest() == VECTORS["json_body_sha256"]
    verify_signature(vector_request(url, body, JSON_BODY_SIGNATURE), TOKEN)


def test_a_json_body_that_does_not_match_its_sha256_is_refused():
    url = f"{URI}&bodySHA256={VECTORS['json_body_sha256']}"
    tampered = VECTORS["json_body"].replace("true", "false").encode()

    with pytest.raises(VerificationError, match="bodySHA256"):
        verify_signature(vector_request(url, tampered, JSON_BODY_SIGNATURE), TOKEN)


def test_an_http_url_with_a_port_is_signed_with_its_port():
    url = URI.replace(".com", ".com:1234").replace("https", "http")
    signature = VECTORS["http_uri_with_port_1234_expected_signature"]

    verify_signature(vector_request(url, signature=signature), TOKEN)


def test_a_url_with_a_port_also_matches_a_signature_made_without_it():
    url = URI.replace(".com", ".com:1234")

    verify_signature(vector_request(url, signature=VECTORS["expected_X-Twilio-Signature"]), TOKEN)


@pytest.mark.parametrize(
    ("url", "signature"),
    [(URI, HTTPS_WITH_PORT_443_SIGNATURE), (URI.replace("https", "http"), HTTP_WITH_PORT_80_SIGNATURE)],
)
def test_a_url_without_a_port_also_matches_a_signature_made_with_the_standard_port(url, signature):
    verify_signature(vector_request(url, signature=signature), TOKEN)


# --- refused requests ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "request_",
    [
        pytest.param(vector_request(signature="RSOYDt4T1cUTdK1PDd93/VVr8B9="), id="wrong signature"),
        pytest.param(vector_request(signature=""), id="empty signature"),
        pytest.param(vector_request(), id="no signature"),
        pytest.param(
            vector_request(
                body=urlencode({**PARAMS, "Digits": "9999"}).encode(),
                signature=VECTORS["expected_X-Twilio-Signature"],
            ),
            id="changed parameter",
        ),
        pytest.param(
            vector_request(
                body=urlencode({**PARAMS, "Extra": ""}).encode(),
                signature=VECTORS["expected_X-Twilio-Signature"],
            ),
            id="added blank parameter",
        ),
        pytest.param(
            vector_request(URI.replace("foo=1", "foo=2"), signature=VECTORS["expected_X-Twilio-Signature"]),
            id="changed query",
        ),
        pytest.param(
            vector_request(URI.replace("https", "http"), signature=VECTORS["expected_X-Twilio-Signature"]),
            id="other scheme",
        ),
        pytest.param(
            vector_request(body=b"\xff\xfe", signature=VECTORS["expected_X-Twilio-Signature"]),
            id="body that is no form",
        ),
    ],
)
def test_requests_not_signed_by_twilio_are_refused(request_):
    with pytest.raises(VerificationError):
        verify_signature(request_, TOKEN)


def test_another_accounts_token_does_not_verify():
    request_ = vector_request(signature=VECTORS["expected_X-Twilio-Signature"])

    with pytest.raises(VerificationError):
        verify_signature(request_, "54321")


@pytest.mark.parametrize("adapter", ADAPTERS, ids=lambda adapter: adapter.name)
def test_adapters_verify_with_the_auth_token_secret(adapter):
    good = vector_request(signature=VECTORS["expected_X-Twilio-Signature"])

    adapter.verify(good, ProviderSecrets({"auth_token": TOKEN}))
    with pytest.raises(VerificationError):
        adapter.verify(replace(good, headers={}), ProviderSecrets({"auth_token": TOKEN}))
    with pytest.raises(VerificationError, match="auth_token"):
        adapter.verify(good, ProviderSecrets({}))


@pytest.mark.parametrize("adapter", ADAPTERS, ids=lambda adapter: adapter.name)
def test_twilio_has_no_handshake(adapter):
    assert adapter.handshake(vector_request(), SECRETS) is None


# --- the form body --------------------------------------------------------------------------------


@pytest.mark.parametrize("form_file", corpus_forms(), ids=lambda path: path.name)
def test_each_corpus_body_parses_to_its_json_form(form_file):
    expected = json.loads(form_file.with_name(form_file.name.replace(".form.txt", ".json")).read_text())

    assert parse_form(form_file.read_bytes()) == as_lists(expected)


@pytest.mark.parametrize("form_file", corpus_forms(), ids=lambda path: path.name)
def test_blank_parameters_are_signed_too(form_file):
    """Twilio signs ToState= and friends: dropping blank values would refuse every real message."""
    url = "https://desk.example.com/webhooks/twilio-sms"
    params = json.loads(form_file.with_name(form_file.name.replace(".form.txt", ".json")).read_text())
    with_blanks = compute_signature(url, as_lists(params), TOKEN)
    without_blanks = compute_signature(url, as_lists({n: v for n, v in params.items() if v}), TOKEN)

    verify_signature(vector_request(url, form_file.read_bytes(), with_blanks), TOKEN)
    with pytest.raises(VerificationError):
        verify_signature(vector_request(url, form_file.read_bytes(), without_blanks), TOKEN)


@pytest.mark.parametrize("body", [b"\xff", b"a=%ff", b"a=1&" * 1001])
def test_bodies_that_are_no_form_are_payload_errors(body):
    with pytest.raises(PayloadError):
        parse_form(body)


def test_url_variants():
    assert url_variants("https://a.example/x?y=1") == (
        "https://a.example/x?y=1",
        "https://a.example:443/x?y=1",
    )
    assert url_variants("http://a.example:8080/x") == ("http://a.example:8080/x", "http://a.example/x")
    assert url_variants("https://a.example:bad/x") == ("https://a.example:bad/x",)


# --- phone numbers and TwiML ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+491710000000", "+491710000000"),
        ("+39 333 123 4567", "+393331234567"),
        ("0039 (333) 123-4567", "+393331234567"),
        ("+14158675309", "+14158675309"),
        ("14158675309", None),  # a short code or a national number: not E.164
        ("12345", None),
        ("whatsapp:+14158675309", None),
        ("client:alice", None),
        ("anonymous", None),
        ("+266696687", None),  # ANONYMOUS on a keypad
        ("+7378742833", None),  # RESTRICTED
        ("+0123456789", None),
        ("+1234567890123456", None),
        ("", None),
        ("+٣٣٣١٢٣٤٥٦٧", None),
    ],
)
def test_e164(raw, expected):
    assert e164(raw) == expected


def test_the_empty_twiml_is_what_twilio_expects():
    assert EMPTY_TWIML.status == 200
    assert EMPTY_TWIML.content_type == "text/xml"
    assert EMPTY_TWIML.body == '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def test_the_registry_names_each_twilio_module_directly():
    from sportello.providers.registry import ProviderRegistry

    assert ProviderRegistry.adapter("twilio-sms") is twilio_sms.ADAPTER
    assert ProviderRegistry.adapter("twilio-voice") is twilio_voice.ADAPTER
    assert (twilio_sms.ADAPTER.channel, twilio_voice.ADAPTER.channel) == ("sms", "voice")
