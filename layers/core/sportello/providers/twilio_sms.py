"""Twilio Programmable Messaging (SMS/MMS): incoming messages and status callbacks of our replies.

Secrets: see `sportello.providers.twilio` (`auth_token`, `account_sid`, `from_number` or
`messaging_service_sid`). Configure the number's "A message comes in" webhook (HTTP POST) as
`https://<api>/webhooks/twilio-sms`; status callbacks of sent messages arrive on the same URL when
it is also the Messaging Service's status callback.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..customers.model import Identity, IdentityKind
from ..tickets.model import Channel
from .twilio import EMPTY_TWIML, TwilioAdapter, TwilioForm, e164, is_json_body, whole_number
from .webhook import (
    ChannelMessage,
    DeliveryState,
    DeliveryUpdate,
    MediaRef,
    PayloadError,
    ProviderAdapter,
    Unsupported,
    WebhookEvent,
    WebhookRequest,
    WebhookResponse,
)

INBOUND_STATUSES = frozenset({"received", "receiving"})
DELIVERY_STATES = {
    "sent": DeliveryState.SENT,
    "delivered": DeliveryState.DELIVERED,
    "read": DeliveryState.READ,
    "undelivered": DeliveryState.FAILED,
    "failed": DeliveryState.FAILED,
}
MAX_MEDIA = 10  # Twilio accepts at most 10 media per message


class TwilioSmsAdapter(TwilioAdapter):
    name = "twilio-sms"
    channel = Channel.SMS

    def parse(self, request: WebhookRequest) -> Sequence[WebhookEvent]:
        if is_json_body(request):
            return [Unsupported("json-body", "Twilio sends SMS webhooks form-encoded")]
        form = TwilioForm.of(request)
        status = form.first("MessageStatus", "SmsStatus")
        if status in INBOUND_STATUSES or (not status and "Body" in form.fields):
            return [self._message(form)]
        if status:
            return [self._delivery(form, status)]
        raise PayloadError("neither an incoming message nor a message status callback")

    def acknowledgement(self, request: WebhookRequest) -> WebhookResponse:
        return EMPTY_TWIML  # no automatic reply: agents answer from the ticket

    def _message(self, form: TwilioForm) -> ChannelMessage | Unsupported:
        message_sid = form.require("MessageSid", "SmsMessageSid", "SmsSid")
        sender = form.require("From")
        number = e164(sender)
        if number is None:
            return Unsupported("non-phone-sender", f"{sender} sent {message_sid}")
        media = _media(form)
        return ChannelMessage(
            external_id=message_sid,
            channel=Channel.SMS,
            identity=Identity(IdentityKind.PHONE, number),
            conversation=number,
            sender_name=number,
            text=form.get("Body"),
            sent_at=self._clock(),  # Twilio's message webhook carries no time: this is its arrival
            media=media,
            kind="mms" if media else "sms",
        )

    def _delivery(self, form: TwilioForm, status: str) -> DeliveryUpdate | Unsupported:
        message_sid = form.require("MessageSid", "SmsSid")
        state = DELIVERY_STATES.get(status)
        if state is None:
            # queued, accepted, sending, scheduled…: nothing beyond what our send already knows, and
            # Twilio does not order its callbacks, so a late "queued" must not undo a "delivered".
            return Unsupported(status, message_sid)
        return DeliveryUpdate(
            external_id=message_sid,
            state=state,
            at=self._clock(),
            error=_delivery_error(form, status) if state is DeliveryState.FAILED else None,
        )


def _media(form: TwilioForm) -> tuple[MediaRef, ...]:
    number = whole_number(form.get("NumMedia") or "0")
    if number is None or number > MAX_MEDIA:
        raise PayloadError(f"NumMedia is not a media count: {form.get('NumMedia')!r}")
    return tuple(
        MediaRef(
            url=form.require(f"MediaUrl{index}"),
            content_type=form.get(f"MediaContentType{index}") or None,
        )
        for index in range(number)
    )


def _delivery_error(form: TwilioForm, status: str) -> str:
    code, message = form.get("ErrorCode"), form.get("ErrorMessage")
    detail = ": ".join(part for part in (code and f"error {code}", message) if part)
    return f"{status} ({detail})" if detail else status


ADAPTER: ProviderAdapter = TwilioSmsAdapter()
