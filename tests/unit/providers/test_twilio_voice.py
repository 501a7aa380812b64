"""Twilio voice: a call, its voicemail and its callbacks become CallRecords of one CallSid.

The corpus has no voice payloads: these are built from the parameter lists Twilio documents for each
request (https://www.twilio.com/docs/usage/webhooks/voice-webhooks: incoming call, call status
callback, recording status callback; https://www.twilio.com/docs/voice/twiml/record: the action
request and the transcription callback), and signed with the algorithm test_twilio.py proves against
Twilio's own vectors.
"""

from __future__ import annotations

import contextlib
import random
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest

from sportello.customers.model import Identity, IdentityKind
from sportello.providers.twilio_voice import Speech, TwilioVoiceAdapter
from sportello.providers.webhook import (
    CallRecord,
    PayloadError,
    Unsupported,
    VerificationError,
    WebhookRequest,
)

from .twilio_requests import NOW, SECRETS, fixed_clock, form_request

WEBHOOK = "https://desk.example.com/webhooks/twilio-voice"
ADAPTER = TwilioVoiceAdapter(clock=fixed_clock)
CALL_SID = "CA5f2ae4c1b3d94e6a8f0c7b2d1e3a4b5c"
CALLER = "+393331234567"
DESK = "+390212345678"
RECORDING_URL = (
    "https://api.twilio.com/2010-04-01/Accounts/AC0123/Recordings/RE0123456789abcdef0123456789abcdef"
)

CALL = {
    "AccountSid": "AC0123456789abcdef0123456789abcdef",
    "ApiVersion": "2010-04-01",
    "CallSid": CALL_SID,
    "CallToken": "%7B%22parentCallInfoToken%22%3A%22eyJhbGciOiJFUzI1NiJ9%22%7D",
    "Called": DESK,
    "CalledCountry": "IT",
    "Caller": CALLER,
    "CallerCountry": "IT",
    "Direction": "inbound",
    "From": CALLER,
    "FromCity": "",
    "FromCountry": "IT",
    "FromState": "",
    "FromZip": "",
    "StirVerstat": "TN-Validation-Passed-A",
    "To": DESK,
    "ToCountry": "IT",
}
INCOMING_CALL = {**CALL, "CallStatus": "ringing"}
RECORD_ACTION = {
    **CALL,
    "CallStatus": "in-progress",
    "Digits": "#",
    "RecordingDuration": "17",
    "RecordingSid": "RE0123456789abcdef0123456789abcdef",
    "RecordingUrl": RECORDING_URL,
}
RECORDING_STATUS = {
    "AccountSid": CALL["AccountSid"],
    "CallSid": CALL_SID,
    "ErrorCode": "0",
    "RecordingChannels": "1",
    "RecordingDuration": "17",
    "RecordingSid": "RE0123456789abcdef0123456789abcdef",
    "RecordingSource": "RecordVerb",
    "RecordingStartTime": "Mon, 06 May 2024 07:07:40 +0000",
    "RecordingStatus": "completed",
    "RecordingTrack": "both",
    "RecordingUrl": RECORDING_URL,
}
CALL_COMPLETED = {
    **CALL,
    "CallStatus": "completed",
    "CallDuration": "42",
    "CallbackSource": "call-progress-events",
    "Duration": "1",
    "SequenceNumber": "0",
    "SipResponseCode": "200",
    "Timestamp": "Mon, 06 May 2024 07:08:30 +0000",
}
TRANSCRIPTION = {
    **CALL,
    "CallStatus": "completed",
    "RecordingSid": "RE0123456789abcdef0123456789abcdef",
    "RecordingUrl": RECORDING_URL,
    "TranscriptionSid": "TR0123456789abcdef0123456789abcdef",
    "TranscriptionStatus": "completed",
    "TranscriptionText": "Buongiorno, la caldaia non si accende.",
    "TranscriptionUrl": "https://api.twilio.com/2010-04-01/Accounts/AC0123/Transcriptions/TR0123",
}


def record(params: dict[str, str], url: str = WEBHOOK) -> CallRecord:
    request = form_request(url, params)
    ADAPTER.verify(request, SECRETS)
    (event,) = ADAPTER.parse(request)
    assert isinstance(event, CallRecord)
    return event


def twiml_of(params: dict[str, str], url: str = WEBHOOK) -> ET.Element:
    response = ADAPTER.acknowledgement(form_request(url, params))
    assert (response.status, response.content_type) == (200, "text/xml")
    assert response.body.startswith('<?xml version="1.0" encoding="UTF-8"?><Response>')
    return ET.fromstring(response.body.encode())


# --- the requests of one call --------------------------------------------------------------------------


def test_an_incoming_call():
    assert record(INCOMING_CALL) == CallRecord(
        external_id=CALL_SID,
        identity=Identity(IdentityKind.PHONE, CALLER),
        conversation=CALLER,
        status="ringing",
        at=NOW,
    )


def test_the_end_of_the_voicemail_brings_its_recording():
    event = record(RECORD_ACTION)

    assert (event.external_id, event.status) == (CALL_SID, "in-progress")
    assert (event.recording_url, event.duration_seconds) == (RECORDING_URL, 17)


def test_the_recording_status_callback_finds_the_caller_in_the_url_we_gave_twilio():
    greeting = twiml_of(INCOMING_CALL)
    callback_url = greeting.find("Record").get("recordingStatusCallback")

    event = record(RECORDING_STATUS, url=callback_url)

    assert event.identity == Identity(IdentityKind.PHONE, CALLER)
    assert (event.external_id, event.status) == (CALL_SID, "recording-completed")
    assert (event.recording_url, event.duration_seconds) == (RECORDING_URL, 17)


def test_the_caller_in_the_callback_url_is_signed_like_the_rest():
    callback_url = twiml_of(INCOMING_CALL).find("Record").get("recordingStatusCallback")
    request = form_request(callback_url, RECORDING_STATUS)
    forged = WebhookRequest(
        request.method, request.url.replace("393331234567", "393339999999"), request.headers, {}, request.body
    )

    with pytest.raises(VerificationError):
        ADAPTER.verify(forged, SECRETS)


def test_the_call_status_callback_brings_the_duration_and_its_time():
    event = record(CALL_COMPLETED)

    assert (event.status, event.duration_seconds) == ("completed", 42)
    assert event.at == datetime(2024, 5, 6, 7, 8, 30, tzinfo=UTC)


def test_a_transcription_becomes_the_transcript():
    assert record(TRANSCRIPTION).transcript == "Buongiorno, la caldaia non si accende."


def test_every_request_of_a_call_has_its_sid():
    callback_url = twiml_of(INCOMING_CALL).find("Record").get("recordingStatusCallback")
    events = [
        record(INCOMING_CALL),
        record(RECORD_ACTION),
        record(RECORDING_STATUS, url=callback_url),
        record(CALL_COMPLETED),
        record(TRANSCRIPTION),
    ]

    assert {event.external_id for event in events} == {CALL_SID}
    assert {event.identity for event in events} == {Identity(IdentityKind.PHONE, CALLER)}


# --- TwiML ----------------------------------------------------------------------------------------


def test_a_new_call_is_greeted_in_italian_and_english_and_leaves_a_voicemail():
    response = twiml_of(INCOMING_CALL, url=f"{WEBHOOK}?tenant=main")

    assert [verb.tag for verb in response] == ["Say", "Say", "Record", "Hangup"]
    assert [say.get("language") for say in response.findall("Say")] == ["it-IT", "en-US"]
    assert all(say.text for say in response.findall("Say"))
    recording = response.find("Record").attrib
    assert recording["action"] == WEBHOOK
    assert recording["recordingStatusCallback"] == f"{WEBHOOK}?caller=%2B393331234567"
    assert recording["transcribe"] == "false"
    assert recording["method"] == recording["recordingStatusCallbackMethod"] == "POST"


def test_a_recorded_voicemail_is_thanked_and_the_call_ended():
    response = twiml_of(RECORD_ACTION)

    assert [verb.tag for verb in response] == ["Say", "Say", "Hangup"]


@pytest.mark.parametrize("params", [CALL_COMPLETED, RECORDING_STATUS | {"RecordingUrl": ""}])
def test_callbacks_are_answered_with_empty_twiml(params):
    assert len(twiml_of(params)) == 0


def test_an_anonymous_call_is_greeted_with_no_caller_in_the_callback():
    response = twiml_of({**INCOMING_CALL, "From": "anonymous"})

    assert response.find("Record").get("recordingStatusCallback") == WEBHOOK


def test_texts_and_urls_are_escaped_in_twiml():
    greeting = [Speech('Rossi & Figli "<srl>"', "it-IT", "Polly.Bianca")]
    adapter = TwilioVoiceAdapter(clock=fixed_clock, greeting=greeting)
    url = "https://desk.example.com/webhooks/twilio-voice/a&b"

    response = ET.fromstring(adapter.acknowledgement(form_request(url, INCOMING_CALL)).body.encode())

    assert response.find("Say").text == 'Rossi & Figli "<srl>"'
    assert response.find("Record").get("action") == url


# --- what is not a customer's call ---------------------------------------------------------------------


@pytest.mark.parametrize("caller", ["anonymous", "+266696687", "client:alice", "sip:alice@example.com", ""])
def test_withheld_or_non_phone_callers_are_unsupported(caller):
    (event,) = ADAPTER.parse(form_request(WEBHOOK, {**INCOMING_CALL, "From": caller}))

    assert event == Unsupported("anonymous-call", CALL_SID)


def test_a_recording_callback_without_our_caller_parameter_is_unsupported():
    (event,) = ADAPTER.parse(form_request(WEBHOOK, RECORDING_STATUS))

    assert event == Unsupported("anonymous-call", CALL_SID)


def test_outbound_calls_are_unsupported():
    (event,) = ADAPTER.parse(form_request(WEBHOOK, {**INCOMING_CALL, "Direction": "outbound-api"}))

    assert event == Unsupported("outbound-call", CALL_SID)


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({}, id="empty"),
        pytest.param({k: v for k, v in INCOMING_CALL.items() if k != "CallSid"}, id="no CallSid"),
        pytest.param({k: v for k, v in INCOMING_CALL.items() if k != "CallStatus"}, id="no status"),
    ],
)
def test_payloads_missing_what_twilio_always_sends_are_payload_errors(params):
    with pytest.raises(PayloadError):
        ADAPTER.parse(form_request(WEBHOOK, params))


@pytest.mark.parametrize("duration", ["", "-1", "abc", "4" * 5000, "٤٢"])
def test_durations_that_are_no_number_are_unknown(duration):
    assert (
        record({**CALL_COMPLETED, "CallDuration": duration, "RecordingDuration": ""}).duration_seconds is None
    )


@pytest.mark.parametrize("timestamp", ["", "yesterday", "Mon, 06 May 2024 07:08:30"])
def test_a_missing_or_odd_timestamp_falls_back_to_the_arrival_or_utc(timestamp):
    at = record({**CALL_COMPLETED, "Timestamp": timestamp}).at

    assert at.tzinfo is not None
    assert at in (NOW, datetime(2024, 5, 6, 7, 8, 30, tzinfo=UTC))


def test_any_body_gives_events_or_a_payload_error_and_twiml():
    body = form_request(WEBHOOK, RECORD_ACTION).body
    generator = random.Random(11)
    bodies = [body[:cut] for cut in range(0, len(body), 5)]
    bodies += [bytes(generator.randrange(256) for _ in range(generator.randrange(1, 80))) for _ in range(50)]
    bodies += [b"{", b'{"CallSid": 1}', b"CallSid=%&From=%ZZ", b"CallSid=CA1&RecordingDuration=1e9"]
    for candidate in bodies:
        request = WebhookRequest("POST", WEBHOOK, {}, {}, candidate)
        with contextlib.suppress(PayloadError):
            assert ADAPTER.parse(request), candidate
        assert ADAPTER.acknowledgement(request).status == 200
