"""Twilio SMS/MMS: the corpus of real inbound messages, and status callbacks of our replies."""

from __future__ import annotations

import random
from urllib.parse import urlencode

import pytest

from sportello.customers.model import Identity, IdentityKind
from sportello.providers.twilio_sms import TwilioSmsAdapter
from sportello.providers.webhook import (
    ChannelMessage,
    DeliveryState,
    DeliveryUpdate,
    MediaRef,
    PayloadError,
    ProviderSecrets,
    Unsupported,
    VerificationError,
    WebhookRequest,
)
from sportello.tickets.model import Channel

from .twilio_requests import (
    NOW,
    SECRETS,
    TWILIO_CORPUS,
    corpus_forms,
    fixed_clock,
    form_request,
    signed_request,
)

URL = "https://desk.example.com/webhooks/twilio-sms"
ADAPTER = TwilioSmsAdapter(clock=fixed_clock)
SID = "SM1bd5330f81336e8b54c2d3d9fc1bcb6a"
MMS = {"Body": "", "MessageSid": SID, "From": "+491710000000", "SmsStatus": "received"}


def corpus_request(name: str) -> WebhookRequest:
    return signed_request(URL, (TWILIO_CORPUS / name).read_bytes())


def only_event(request: WebhookRequest):
    events = ADAPTER.parse(request)
    assert len(events) == 1
    return events[0]


# Status callback parameters as Twilio documents them for outbound messages
# (https://www.twilio.com/docs/messaging/guides/track-outbound-message-status): the corpus has none.
def status_callback(status: str, **extra: str) -> WebhookRequest:
    return form_request(
        URL,
        {
            "AccountSid": "AC78349f4b974f5f6907c513a77d96756d",
            "ApiVersion": "2010-04-01",
            "From": "+4915700000000",
            "MessageSid": "SM0123456789abcdef0123456789abcdef",
            "MessageStatus": status,
            "SmsSid": "SM0123456789abcdef0123456789abcdef",
            "SmsStatus": status,
            "To": "+491710000000",
            **extra,
        },
    )


# --- the corpus -------------------------------------------------------------------------------------


@pytest.mark.parametrize("form_file", corpus_forms(), ids=lambda path: path.name)
def test_every_corpus_message_is_verified_and_becomes_a_message(form_file):
    request = signed_request(URL, form_file.read_bytes())

    ADAPTER.verify(request, SECRETS)
    (event,) = ADAPTER.parse(request)
    assert isinstance(event, ChannelMessage)
    assert event.identity == Identity(IdentityKind.PHONE, "+491710000000")
    assert event.external_id.startswith("SM")


def test_a_text_message():
    event = only_event(corpus_request("zammad__inbound_sms1.form.txt"))

    assert event == ChannelMessage(
        external_id=SID,
        channel=Channel.SMS,
        identity=Identity(IdentityKind.PHONE, "+491710000000"),
        conversation="+491710000000",
        sender_name="+491710000000",
        text="Ldfhxhcuffufuf. Fifififig.  Fifififiif Fifififiif Fifififiif Fifififiif Fifififiif",
        sent_at=NOW,
        kind="sms",
    )


def test_a_follow_up_from_the_same_number_is_the_same_customer_and_another_message():
    first = only_event(corpus_request("zammad__inbound_sms1.form.txt"))
    second = only_event(corpus_request("zammad__inbound_sms2.form.txt"))

    assert second.text == "Follow up"
    assert second.identity == first.identity
    assert second.external_id != first.external_id


def test_an_mms_image():
    event = only_event(corpus_request("zammad__inbound_sms4_mms_image.form.txt"))

    assert event.kind == "mms"
    assert event.text == ""
    assert event.media == (
        MediaRef(
            url="https://api.twilio.com/2010-04-01/Accounts/XXXXXX/Messages/XXXXXXX/Media/XXXXXX",
            content_type="image/jpeg",
        ),
    )


def test_several_media_keep_their_order():
    body = (TWILIO_CORPUS / "zammad__inbound_sms1.form.txt").read_text().replace("NumMedia=0", "NumMedia=2")
    body += "&" + urlencode(
        {
            "MediaUrl0": "https://api.twilio.com/m/ME0",
            "MediaContentType0": "image/png",
            "MediaUrl1": "https://api.twilio.com/m/ME1",
            "MediaContentType1": "application/pdf",
        }
    )

    event = only_event(signed_request(URL, body.encode()))

    assert [(m.url, m.content_type) for m in event.media] == [
        ("https://api.twilio.com/m/ME0", "image/png"),
        ("https://api.twilio.com/m/ME1", "application/pdf"),
    ]


def test_the_acknowledgement_is_empty_twiml():
    response = ADAPTER.acknowledgement(corpus_request("zammad__inbound_sms1.form.txt"))

    assert (response.status, response.content_type) == (200, "text/xml")
    assert response.body == '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


# --- status callbacks ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "state"),
    [
        ("sent", DeliveryState.SENT),
        ("delivered", DeliveryState.DELIVERED),
        ("read", DeliveryState.READ),
    ],
)
def test_status_callbacks_update_our_message(status, state):
    assert only_event(status_callback(status)) == DeliveryUpdate(
        external_id="SM0123456789abcdef0123456789abcdef", state=state, at=NOW
    )


@pytest.mark.parametrize(
    ("status", "extra", "error"),
    [
        ("undelivered", {"ErrorCode": "30003"}, "undelivered (error 30003)"),
        (
            "failed",
            {"ErrorCode": "30008", "ErrorMessage": "Unknown error"},
            "failed (error 30008: Unknown error)",
        ),
        ("failed", {}, "failed"),
    ],
)
def test_failures_carry_the_error_code(status, extra, error):
    event = only_event(status_callback(status, **extra))

    assert isinstance(event, DeliveryUpdate)
    assert (event.state, event.error) == (DeliveryState.FAILED, error)


@pytest.mark.parametrize("status", ["queued", "accepted", "sending", "scheduled", "canceled"])
def test_statuses_before_sending_are_not_delivery_news(status):
    assert only_event(status_callback(status)) == Unsupported(status, "SM0123456789abcdef0123456789abcdef")


def test_a_status_callback_is_verified_like_a_message():
    request = status_callback("delivered")

    ADAPTER.verify(request, SECRETS)
    with pytest.raises(VerificationError):
        ADAPTER.verify(request, ProviderSecrets({"auth_token": "another"}))


# --- what is not an SMS ------------------------------------------------------------------------------


@pytest.mark.parametrize("sender", ["12345", "whatsapp:+491710000000", "VODAFONE"])
def test_senders_that_are_no_phone_number_are_unsupported(sender):
    body = (TWILIO_CORPUS / "zammad__inbound_sms1.form.txt").read_text()
    body = body.replace("From=%2B491710000000", urlencode({"From": sender}))

    event = only_event(signed_request(URL, body.encode()))

    assert isinstance(event, Unsupported)
    assert event.kind == "non-phone-sender"


def test_a_json_body_is_unsupported():
    request = WebhookRequest("POST", f"{URL}?bodySHA256=abc", {}, {}, b'{"a": 1}')

    assert ADAPTER.parse(request) == [Unsupported("json-body", "Twilio sends SMS webhooks form-encoded")]


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({}, id="empty"),
        pytest.param({"Body": "hi", "From": "+491710000000"}, id="no sid"),
        pytest.param({"Body": "hi", "MessageSid": SID}, id="no sender"),
        pytest.param({"MessageSid": SID, "From": "+491710000000"}, id="neither body nor status"),
        pytest.param({**MMS, "NumMedia": "x"}, id="NumMedia not a number"),
        pytest.param({**MMS, "NumMedia": "11"}, id="more media than Twilio allows"),
        pytest.param({**MMS, "NumMedia": "1"}, id="no MediaUrl0"),
        pytest.param({"MessageStatus": "delivered"}, id="status without sid"),
    ],
)
def test_payloads_missing_what_twilio_always_sends_are_payload_errors(params):
    with pytest.raises(PayloadError):
        ADAPTER.parse(form_request(URL, params))


def fuzzed_bodies() -> list[bytes]:
    body = (TWILIO_CORPUS / "zammad__inbound_sms4_mms_image.form.txt").read_bytes()
    generator = random.Random(7)
    truncated = [body[:cut] for cut in range(0, len(body), 7)]
    garbled = [bytes(generator.randrange(256) for _ in range(generator.randrange(1, 80))) for _ in range(50)]
    return [*truncated, *garbled, b"{", b'{"From": 1}', b"[]", b"null", b"From=%ZZ&MessageSid=%", b"&&&=="]


def test_any_body_gives_events_or_a_payload_error():
    for body in fuzzed_bodies():
        request = WebhookRequest("POST", URL, {}, {}, body)
        try:
            events = ADAPTER.parse(request)
        except PayloadError:
            continue
        assert events, body
        assert ADAPTER.acknowledgement(request).status == 200
