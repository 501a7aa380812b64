"""Twilio Programmable Voice: an incoming call is greeted, leaves a voicemail and becomes a ticket.

Secrets: see `sportello.providers.twilio` (`auth_token`; replies to callers go out as SMS, so also
`account_sid` and `from_number` or `messaging_service_sid`). Configure the number's "A call comes in"
webhook and its call status callback (HTTP POST) as `https://<api>/webhooks/twilio-voice`.

One call produces several requests, all with its CallSid as external_id so the pipeline merges them:
the incoming call (ringing), the end of the voicemail (<Record>'s action), the recording status
callback, and the call status callback (completed, with its duration).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlencode

from ..clock import utc_now
from ..customers.model import Identity, IdentityKind
from ..tickets.model import Channel
from .twilio import (
    EMPTY_TWIML,
    Clock,
    TwilioAdapter,
    TwilioForm,
    e164,
    is_json_body,
    query_value,
    twiml,
    twiml_verb,
    url_without_query,
    whole_number,
)
from .webhook import (
    CallRecord,
    PayloadError,
    ProviderAdapter,
    Unsupported,
    WebhookEvent,
    WebhookRequest,
    WebhookResponse,
)

# The recording status callback names no caller, so the URL we give Twilio for it carries the number
# (Twilio signs the URL it calls, query included, so the value is as trustworthy as the body).
CALLER_PARAMETER = "caller"
LIVE_CALL_STATUSES = frozenset({"queued", "ringing", "in-progress"})


@dataclass(frozen=True)
class Speech:
    text: str
    language: str
    voice: str


GREETING = (
    Speech(
        "Grazie per aver chiamato. Lasci un messaggio dopo il segnale acustico: "
        "le risponderemo al più presto.",
        "it-IT",
        "Polly.Bianca",
    ),
    Speech(
        "Thank you for calling. Please leave a message after the beep and we will get back to you "
        "as soon as possible.",
        "en-US",
        "Polly.Joanna",
    ),
)
FAREWELL = (
    Speech("Grazie, abbiamo ricevuto il suo messaggio. Arrivederci.", "it-IT", "Polly.Bianca"),
    Speech("Thank you, we have received your message. Goodbye.", "en-US", "Polly.Joanna"),
)


class TwilioVoiceAdapter(TwilioAdapter):
    name = "twilio-voice"
    channel = Channel.VOICE

    def __init__(
        self,
        clock: Clock = utc_now,
        greeting: Sequence[Speech] = GREETING,
        farewell: Sequence[Speech] = FAREWELL,
        max_message_seconds: int = 120,
    ) -> None:
        super().__init__(clock)
        self._greeting = tuple(greeting)
        self._farewell = tuple(farewell)
        self._max_message_seconds = max_message_seconds

    def parse(self, request: WebhookRequest) -> Sequence[WebhookEvent]:
        if is_json_body(request):
            return [Unsupported("json-body", "Twilio sends voice webhooks form-encoded")]
        form = TwilioForm.of(request)
        call_sid = form.require("CallSid")
        if form.get("Direction").startswith("outbound"):
            return [Unsupported("outbound-call", call_sid)]  # the desk places no calls
        caller = e164(form.get("From") or query_value(request.url, CALLER_PARAMETER))
        if caller is None:
            # A withheld number: CallRecord needs a caller's identity, and there is no one to answer.
            return [Unsupported("anonymous-call", call_sid)]
        return [
            CallRecord(
                external_id=call_sid,
                identity=Identity(IdentityKind.PHONE, caller),
                conversation=caller,
                status=_call_status(form),
                at=self._event_time(form),
                # The voicemail's length stands in until the call status callback brings the call's.
                duration_seconds=whole_number(form.get("CallDuration") or form.get("RecordingDuration")),
                recording_url=form.get("RecordingUrl") or None,
                transcript=form.get("TranscriptionText") or None,
            )
        ]

    def acknowledgement(self, request: WebhookRequest) -> WebhookResponse:
        """TwiML: the greeting and a voicemail for a new call, a goodbye once it is recorded."""
        try:
            form = TwilioForm.of(request)
        except PayloadError:
            return EMPTY_TWIML
        if form.get("RecordingUrl"):
            return twiml(*_say(self._farewell), twiml_verb("Hangup"))
        if form.get("CallStatus") in LIVE_CALL_STATUSES:
            return twiml(*_say(self._greeting), self._record(request.url, form), twiml_verb("Hangup"))
        return EMPTY_TWIML  # status callbacks: Twilio ignores what they answer

    def _record(self, url: str, form: TwilioForm) -> str:
        webhook = url_without_query(url)
        caller = e164(form.get("From"))
        recording_callback = f"{webhook}?{urlencode({CALLER_PARAMETER: caller})}" if caller else webhook
        return twiml_verb(
            "Record",
            action=webhook,  # without one Twilio would re-request this URL; the goodbye comes from it
            method="POST",
            maxLength=str(self._max_message_seconds),
            timeout="5",
            playBeep="true",
            transcribe="false",
            recordingStatusCallback=recording_callback,
            recordingStatusCallbackMethod="POST",
            recordingStatusCallbackEvent="completed",
        )

    def _event_time(self, form: TwilioForm) -> datetime:
        """Status callbacks carry Timestamp (RFC 2822); the others only their arrival."""
        try:
            moment = parsedate_to_datetime(form.get("Timestamp"))
        except (TypeError, ValueError):
            return self._clock()
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _say(speeches: Sequence[Speech]) -> list[str]:
    return [
        twiml_verb("Say", speech.text, language=speech.language, voice=speech.voice) for speech in speeches
    ]


def _call_status(form: TwilioForm) -> str:
    """The call's status; the recording and transcription callbacks have their own instead."""
    if status := form.get("CallStatus"):
        return status
    for field, prefix in (("RecordingStatus", "recording"), ("TranscriptionStatus", "transcription")):
        if status := form.get(field):
            return f"{prefix}-{status}"
    raise PayloadError("a call payload without CallStatus, RecordingStatus or TranscriptionStatus")


ADAPTER: ProviderAdapter = TwilioVoiceAdapter()
