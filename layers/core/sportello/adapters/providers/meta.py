"""Meta's Graph API for replies and media: WhatsApp Cloud API, Messenger and Instagram messaging.

Secrets read here (besides the webhook ones of `sportello.providers.meta`): WhatsApp's `access_token`
and `phone_number_id`, Messenger's `page_access_token`, Instagram's `access_token`.
"""

from __future__ import annotations

import mimetypes
import posixpath
import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from ...providers.meta import GRAPH_API_VERSION
from ...providers.webhook import FetchedMedia, MediaRef, OutboundText, ProviderHttpError, ProviderSecrets
from ..http import HttpClient, HttpResponse

FACEBOOK_GRAPH = "https://graph.facebook.com"
INSTAGRAM_GRAPH = "https://graph.instagram.com"


class _GraphApi:
    """What every Graph client shares: its host, its HTTP client and reading Graph's answers."""

    default_base_url: ClassVar[str] = FACEBOOK_GRAPH

    def __init__(self, base_url: str | None = None, http: HttpClient | None = None) -> None:
        self._base_url = (base_url or self.default_base_url).rstrip("/")
        self._http = http or HttpClient()

    def _url(self, *segments: str) -> str:
        # Ids come from payloads and secrets: quoted, they can never climb to another path.
        path = "/".join(urllib.parse.quote(segment, safe="") for segment in segments)
        return f"{self._base_url}/{GRAPH_API_VERSION}/{path}"

    def _send_all(self, url: str, token: str, bodies: list[dict[str, Any]], *id_path: str | int) -> str:
        """Posts each piece of a reply in order; the first one's id stands for the whole reply."""
        ids = [_text_at(self._post_json(url, token, body), url, *id_path) for body in bodies]
        return ids[0]

    def _post_json(self, url: str, token: str, body: Mapping[str, Any]) -> Mapping[str, Any]:
        return _json_object(self._http.request("POST", url, headers=_bearer(token), json_body=body), url)


class WhatsAppApi(_GraphApi):
    """Sends from the business number `phone_number_id`; media is fetched by id, then by its URL."""

    text_limit: ClassVar[int] = 4096

    def send(self, message: OutboundText, secrets: ProviderSecrets) -> str:
        url = self._url(secrets.require("phone_number_id"), "messages")
        chunks = split_text(message.text, self.text_limit)
        bodies = [self._text_body(message, chunk, quoting=index == 0) for index, chunk in enumerate(chunks)]
        return self._send_all(url, secrets.require("access_token"), bodies, "messages", 0, "id")

    @staticmethod
    def _text_body(message: OutboundText, chunk: str, *, quoting: bool) -> dict[str, Any]:
        body: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": message.conversation.removeprefix("+"),
            "type": "text",
            "text": {"body": chunk, "preview_url": False},
        }
        if quoting and message.reply_to_external_id:
            body["context"] = {"message_id": message.reply_to_external_id}
        return body

    def fetch_media(self, media: MediaRef, secrets: ProviderSecrets) -> FetchedMedia:
        if not media.media_id:
            raise ValueError("WhatsApp media is fetched by its media_id")
        headers = _bearer(secrets.require("access_token"))
        metadata_url = self._url(media.media_id)
        metadata = _json_object(self._http.request("GET", metadata_url, headers=headers), metadata_url)
        download_url = _text_at(metadata, metadata_url, "url")
        download = self._http.request("GET", download_url, headers=headers)
        content_type = media.content_type or str(metadata.get("mime_type") or "") or _content_type(download)
        return _fetched(download, content_type, media.filename or media.media_id)


class MessagingPlatformApi(_GraphApi):
    """Messenger's Send API (`/me/messages`), which Instagram messaging shares."""

    token_secret: ClassVar[str]
    text_limit: ClassVar[int]

    def text_size(self, text: str) -> int:
        return len(text)

    def send(self, message: OutboundText, secrets: ProviderSecrets) -> str:
        # reply_to_external_id is not sent: the Send API has no quoted replies for pages.
        chunks = split_text(message.text, self.text_limit, self.text_size)
        bodies = [self.message_body(message.conversation, chunk) for chunk in chunks]
        return self._send_all(
            self._url("me", "messages"), secrets.require(self.token_secret), bodies, "message_id"
        )

    def message_body(self, recipient: str, text: str) -> dict[str, Any]:
        # RESPONSE: a reply within 24 hours of the customer's message, which is what agents send.
        return {"recipient": {"id": recipient}, "messaging_type": "RESPONSE", "message": {"text": text}}

    def fetch_media(self, media: MediaRef, secrets: ProviderSecrets) -> FetchedMedia:
        if not media.url:
            raise ValueError(f"{type(self).__name__} fetches attachments by their URL")
        # Attachment URLs are signed CDN links: the page's token is never sent to them.
        download = self._http.request("GET", media.url)
        name = posixpath.basename(urllib.parse.urlsplit(media.url).path) or "attachment"
        return _fetched(download, media.content_type or _content_type(download), media.filename or name)


class MessengerApi(MessagingPlatformApi):
    token_secret = "page_access_token"  # noqa: S105 - the name of a secret, not one
    text_limit = 2000


class InstagramApi(MessagingPlatformApi):
    """Instagram API with Instagram Login: graph.instagram.com and the account's own token."""

    default_base_url = INSTAGRAM_GRAPH
    token_secret = "access_token"  # noqa: S105 - the name of a secret, not one
    text_limit = 1000  # bytes of UTF-8, unlike Messenger's characters

    def text_size(self, text: str) -> int:
        return len(text.encode())

    def message_body(self, recipient: str, text: str) -> dict[str, Any]:
        return {"recipient": {"id": recipient}, "message": {"text": text}}  # Instagram has no messaging_type


def split_text(text: str, limit: int, size: Callable[[str], int] = len) -> list[str]:
    """`text` in pieces of at most `limit` (as `size` measures), cut at line breaks or spaces if possible."""
    pieces: list[str] = []
    rest = text
    while size(rest) > limit:
        end = _longest_prefix(rest, limit, size)
        line_break = rest.rfind("\n", 0, end + 1)
        cut = line_break if line_break > end // 2 else rest.rfind(" ", 0, end + 1)
        cut = cut if cut > 0 else end
        piece = rest[:cut].rstrip()
        if piece:
            pieces.append(piece)
        rest = rest[cut:].lstrip()
    return [*pieces, rest] if rest or not pieces else pieces


def _longest_prefix(text: str, limit: int, size: Callable[[str], int]) -> int:
    low, high = 1, min(len(text), limit)  # no character is smaller than one unit
    while low < high:
        middle = (low + high + 1) // 2
        if size(text[:middle]) <= limit:
            low = middle
        else:
            high = middle - 1
    return low


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _json_object(response: HttpResponse, url: str) -> Mapping[str, Any]:
    try:
        answer = response.json()
    except ValueError as error:
        raise ProviderHttpError(response.status, response.body.decode(errors="replace"), url) from error
    if not isinstance(answer, dict):
        raise ProviderHttpError(response.status, response.body.decode(errors="replace"), url)
    return answer


def _text_at(answer: Mapping[str, Any], url: str, *path: str | int) -> str:
    """The string at `path` in a Graph answer; an answer without it is the provider's error."""
    value: Any = answer
    for step in path:
        try:
            value = value[step]
        except (KeyError, IndexError, TypeError):
            value = None
            break
    if not isinstance(value, str) or not value:
        raise ProviderHttpError(200, f"no {'.'.join(map(str, path))} in the answer: {answer}", url)
    return value


def _content_type(response: HttpResponse) -> str:
    headers = {name.lower(): value for name, value in response.headers.items()}
    return headers.get("content-type") or "application/octet-stream"


def _fetched(response: HttpResponse, content_type: str, name: str) -> FetchedMedia:
    if not posixpath.splitext(name)[1]:
        name += mimetypes.guess_extension(content_type.partition(";")[0].strip()) or ""
    return FetchedMedia(response.body, content_type, name)
