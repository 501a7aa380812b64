"""The contract every messaging provider adapter implements, and the events they produce.

An adapter is pure: it verifies a request's signature, answers handshakes and turns a payload into
channel-agnostic events. Fetching media and sending replies go through a `ProviderApi` (HTTP, in
`sportello.adapters.providers`), so adapters test without a network.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from ..customers.model import Identity
from ..tickets.model import Channel


class VerificationError(Exception):
    """The request is not provably from the provider: answer 401 and keep nothing."""


class PayloadError(ValueError):
    """The body is not a payload this provider sends (malformed JSON, missing fields)."""


@dataclass(frozen=True)
class WebhookRequest:
    method: str
    url: str  # the full public URL the provider called, with the query string (Twilio signs it)
    headers: Mapping[str, str]  # names in lower case
    query: Mapping[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass(frozen=True)
class WebhookResponse:
    status: int = 200
    body: str = ""
    content_type: str = "text/plain"


@dataclass(frozen=True)
class MediaRef:
    """Media to fetch from the provider and store as an attachment."""

    media_id: str | None = None  # provider media id (WhatsApp, Telegram file_id)
    url: str | None = None  # direct URL (Messenger, Instagram, Twilio, Slack url_private)
    content_type: str | None = None
    filename: str | None = None
    caption: str | None = None


@dataclass(frozen=True)
class ChannelMessage:
    """A customer's message."""

    external_id: str  # the provider's id for it: makes processing idempotent
    channel: Channel
    identity: Identity  # who wrote it (phone numbers in E.164, for WhatsApp, SMS and voice alike)
    conversation: str  # where a reply must go (chat id, PSID, phone number, Slack channel)
    sender_name: str
    text: str
    sent_at: datetime
    media: tuple[MediaRef, ...] = ()
    reply_to_external_id: str | None = None
    kind: str = "text"  # the provider's message type, e.g. image, location, contacts, button


class DeliveryState(StrEnum):
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"


@dataclass(frozen=True)
class DeliveryUpdate:
    """The provider's news about a message WE sent."""

    external_id: str
    state: DeliveryState
    at: datetime
    error: str | None = None


@dataclass(frozen=True)
class MessageEdited:
    external_id: str
    text: str
    at: datetime


@dataclass(frozen=True)
class MessageDeleted:
    external_id: str
    at: datetime


@dataclass(frozen=True)
class Reaction:
    external_id: str  # the message reacted to
    identity: Identity
    emoji: str  # "" when the reaction was removed
    at: datetime


@dataclass(frozen=True)
class CallRecord:
    """A phone call: a ticket (or an event on the caller's ticket) with what we know of it."""

    external_id: str  # CallSid
    identity: Identity
    conversation: str
    status: str
    at: datetime
    duration_seconds: int | None = None
    recording_url: str | None = None
    transcript: str | None = None


@dataclass(frozen=True)
class Unsupported:
    """A payload kind we do not act on: recorded and acknowledged, never an error."""

    kind: str
    detail: str = ""


# The kind of an Unsupported part of a verified delivery that could not be read: the desk quarantines it.
MALFORMED = "malformed"


WebhookEvent = (
    ChannelMessage | DeliveryUpdate | MessageEdited | MessageDeleted | Reaction | CallRecord | Unsupported
)


@dataclass(frozen=True)
class ProviderSecrets:
    """One provider's credentials, read from Secrets Manager (never from code)."""

    values: Mapping[str, str] = field(default_factory=dict)

    def require(self, name: str) -> str:
        value = self.values.get(name)
        if not value:
            raise VerificationError(f"the provider secret {name!r} is not configured")
        return value


class ProviderAdapter(Protocol):
    name: str  # the {provider} path segment: whatsapp, messenger, instagram, telegram, slack, twilio…
    channel: Channel

    def handshake(self, request: WebhookRequest, secrets: ProviderSecrets) -> WebhookResponse | None:
        """Answers a subscription handshake (Meta's GET hub.challenge, Slack's url_verification).

        Returns None when the request is not a handshake. Must verify what it answers.
        """
        ...

    def verify(self, request: WebhookRequest, secrets: ProviderSecrets) -> None:
        """Raises VerificationError unless the request is signed by the provider (constant-time)."""
        ...

    def parse(self, request: WebhookRequest) -> Sequence[WebhookEvent]:
        """The events in a verified payload; PayloadError when it is not a payload of this provider."""
        ...

    def acknowledgement(self, request: WebhookRequest) -> WebhookResponse:
        """What the provider expects back on success (e.g. Twilio: TwiML; others: an empty 200)."""
        ...


@dataclass(frozen=True)
class OutboundText:
    conversation: str
    text: str
    reply_to_external_id: str | None = None


@dataclass(frozen=True)
class FetchedMedia:
    content: bytes
    content_type: str
    filename: str


RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


class ProviderHttpError(Exception):
    """A provider API answered with an error (status 0: no answer at all)."""

    def __init__(self, status: int, body: str, url: str) -> None:
        super().__init__(f"{url} answered {status}: {body[:300]}")
        self.status = status
        self.body = body

    @property
    def retryable(self) -> bool:
        return self.status in RETRYABLE_STATUSES or self.status == 0


class ProviderApi(Protocol):
    """The provider's HTTP API: sending replies and fetching media."""

    def send(self, message: OutboundText, secrets: ProviderSecrets) -> str:
        """Sends a text; returns the provider's id of the sent message (for delivery updates)."""
        ...

    def fetch_media(self, media: MediaRef, secrets: ProviderSecrets) -> FetchedMedia: ...


class ProviderApis(Protocol):
    """The API client of each provider (HTTP clients in `adapters/providers`)."""

    def api(self, provider: str) -> ProviderApi: ...


class SecretStore(Protocol):
    def secrets_for(self, provider: str) -> ProviderSecrets: ...


def provider_ref(provider: str, external_id: str) -> str:
    # SMS and voice share Twilio's id space; both are "twilio" for deduplication.
    namespace = "twilio" if provider.startswith("twilio") else provider
    return f"{namespace}:{external_id}"
