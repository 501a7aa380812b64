"""Telegram Bot API: sending replies (sendMessage) and downloading media (getFile, then the file URL).

Uses the `bot_token` secret. The token is part of every URL, so errors are re-raised with it masked.
"""

from __future__ import annotations

import posixpath
import urllib.parse
from typing import Any

from ...providers.telegram import message_ref
from ...providers.webhook import FetchedMedia, MediaRef, OutboundText, ProviderHttpError, ProviderSecrets
from ..http import HttpClient, HttpResponse
from .media_types import content_type_for

API_BASE_URL = "https://api.telegram.org"
MAX_TEXT_UNITS = 4096  # sendMessage's limit, counted in UTF-16 code units


class TelegramApi:
    def __init__(self, base_url: str | None = None, http: HttpClient | None = None) -> None:
        self._base_url = (base_url or API_BASE_URL).rstrip("/")
        self._http = http or HttpClient()

    def send(self, message: OutboundText, secrets: ProviderSecrets) -> str:
        """Sends the text (in several messages when it is too long); returns the first one's id."""
        token = secrets.require("bot_token")
        reply_to = _replied_message_id(message)
        first_ref: str | None = None
        for chunk in split_text(message.text):
            body: dict[str, Any] = {"chat_id": _chat_id(message.conversation), "text": chunk}
            if reply_to is not None and first_ref is None:
                # A deleted original must not cost the customer the answer.
                body["reply_parameters"] = {"message_id": reply_to, "allow_sending_without_reply": True}
            sent = self._call(token, "POST", "sendMessage", json_body=body)
            first_ref = first_ref or _sent_ref(sent, message.conversation)
        assert first_ref is not None  # split_text yields at least one chunk
        return first_ref

    def fetch_media(self, media: MediaRef, secrets: ProviderSecrets) -> FetchedMedia:
        if not media.media_id:
            raise ValueError("a Telegram attachment needs its file_id")
        token = secrets.require("bot_token")
        file = self._call(token, "GET", "getFile?" + urllib.parse.urlencode({"file_id": media.media_id}))
        file_path = file.get("file_path")
        if not isinstance(file_path, str) or not file_path:
            raise ProviderHttpError(200, f"getFile answered without a file_path: {file}", "getFile")
        url = f"{self._base_url}/file/bot{token}/{urllib.parse.quote(file_path)}"
        download = self._request(token, "GET", url)
        filename = media.filename or posixpath.basename(file_path)
        return FetchedMedia(download.body, content_type_for(media, download, filename), filename)

    def _call(self, token: str, method: str, endpoint: str, json_body: Any = None) -> dict[str, Any]:
        """One Bot API method call; its `result` object."""
        url = f"{self._base_url}/bot{token}/{endpoint}"
        response = self._request(token, method, url, json_body)
        try:
            answer = response.json()
        except ValueError:
            answer = None
        result = answer.get("result") if isinstance(answer, dict) and answer.get("ok") is True else None
        if not isinstance(result, dict):
            body = response.body.decode(errors="replace")
            raise ProviderHttpError(response.status, body, _masked(url, token))
        return result

    def _request(self, token: str, method: str, url: str, json_body: Any = None) -> HttpResponse:
        try:
            return self._http.request(method, url, json_body=json_body)
        except ProviderHttpError as error:
            # `from None`: the original error's message holds the URL, and so the token.
            raise ProviderHttpError(error.status, error.body, _masked(url, token)) from None


def _masked(url: str, token: str) -> str:
    return url.replace(token, "<bot_token>")


def _sent_ref(sent: dict[str, Any], conversation: str) -> str:
    message_id = sent.get("message_id")
    if not isinstance(message_id, int):
        raise ProviderHttpError(200, f"sendMessage answered without a message_id: {sent}", "sendMessage")
    chat = sent.get("chat")
    chat_id = chat.get("id") if isinstance(chat, dict) else None
    return message_ref(chat_id if isinstance(chat_id, int) else conversation, message_id)


def split_text(text: str, limit: int = MAX_TEXT_UNITS) -> list[str]:
    """The text in pieces Telegram accepts, cut at a line break when there is one."""
    chunks = []
    rest = text
    while _utf16_units(rest) > limit:
        fits = _fitting_prefix(rest, limit)
        cut = rest.rfind("\n", 0, fits)
        if cut <= 0:
            chunks.append(rest[:fits])
            rest = rest[fits:]
        else:
            chunks.append(rest[:cut])
            rest = rest[cut + 1 :]
    chunks.append(rest)
    return chunks


def _fitting_prefix(text: str, limit: int) -> int:
    """How many characters of `text` fit in `limit` UTF-16 units (emoji outside the BMP count two)."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def _utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _chat_id(conversation: str) -> int | str:
    # A private chat's id is a number; Telegram also takes "@channelusername", which stays text.
    return int(conversation) if conversation.lstrip("-").isdigit() else conversation


def _replied_message_id(message: OutboundText) -> int | None:
    """The message id in our `chat:message` external id, when it is a message of this chat."""
    if not message.reply_to_external_id:
        return None
    chat, _, message_id = message.reply_to_external_id.partition(":")
    if chat != message.conversation or not message_id.isdigit():
        return None
    return int(message_id)
