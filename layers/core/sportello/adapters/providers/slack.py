"""Slack Web API: sending replies (chat.postMessage) and downloading shared files (url_private).

Uses the `bot_token` secret (`xoxb-…`) as a bearer token. Slack reports most errors with HTTP 200 and
`{"ok": false, "error": "<code>"}`; those become `SlackApiError`s.
"""

from __future__ import annotations

import posixpath
import urllib.parse
from typing import Any

from ...providers.webhook import FetchedMedia, MediaRef, OutboundText, ProviderHttpError, ProviderSecrets
from ..http import HttpClient
from .media_types import content_type_for, served_type

API_BASE_URL = "https://slack.com"
# Errors worth trying again later; anything else (channel_not_found, invalid_auth…) will not get better.
RETRYABLE_ERRORS = frozenset({"ratelimited", "internal_error", "service_unavailable"})


class SlackApiError(ProviderHttpError):
    """An `ok: false` answer: the HTTP status says little, the error code says what happened."""

    def __init__(self, error: str, status: int, body: str, url: str) -> None:
        super().__init__(status, body, url)
        self.error = error

    @property
    def retryable(self) -> bool:
        return self.error in RETRYABLE_ERRORS


class SlackApi:
    def __init__(self, base_url: str | None = None, http: HttpClient | None = None) -> None:
        self._base_url = (base_url or API_BASE_URL).rstrip("/")
        self._http = http or HttpClient()

    def send(self, message: OutboundText, secrets: ProviderSecrets) -> str:
        body = {"channel": message.conversation, "text": escape(message.text)}
        thread_ts = _thread_ts(message)
        if thread_ts:
            body["thread_ts"] = thread_ts
        answer = self._call("chat.postMessage", body, secrets.require("bot_token"))
        channel, ts = answer.get("channel"), answer.get("ts")
        if not isinstance(channel, str) or not isinstance(ts, str):
            raise SlackApiError("invalid_response", 200, str(answer)[:300], "chat.postMessage")
        return f"{channel}:{ts}"  # the same external id the adapter gives a Slack message

    def fetch_media(self, media: MediaRef, secrets: ProviderSecrets) -> FetchedMedia:
        if not media.url:
            raise ValueError("a Slack file needs its url_private")
        if not self._may_receive_token(media.url):
            raise ValueError(f"refusing to send the bot token to {media.url}")
        headers = {"Authorization": f"Bearer {secrets.require('bot_token')}"}
        response = self._http.request("GET", media.url, headers=headers)
        if served_type(response) == "text/html" and media.content_type != "text/html":
            # Without files:read Slack does not refuse: it redirects to its sign-in page.
            raise ProviderHttpError(401, "Slack answered a sign-in page: is files:read granted?", media.url)
        filename = media.filename or posixpath.basename(urllib.parse.urlsplit(media.url).path) or "file"
        return FetchedMedia(response.body, content_type_for(media, response, filename), filename)

    def _call(self, method: str, body: dict[str, Any], token: str) -> dict[str, Any]:
        url = f"{self._base_url}/api/{method}"
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json; charset=utf-8"}
        response = self._http.request("POST", url, headers=headers, json_body=body)
        text = response.body.decode(errors="replace")
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise SlackApiError("invalid_response", response.status, text, url)
        if answer.get("ok") is not True:
            raise SlackApiError(str(answer.get("error") or "unknown_error"), response.status, text, url)
        return answer

    def _may_receive_token(self, url: str) -> bool:
        """Only Slack's own hosts (or the fake standing in for them) ever see the bot token."""
        parts = urllib.parse.urlsplit(url)
        host = (parts.hostname or "").lower()
        if host == urllib.parse.urlsplit(self._base_url).hostname:
            return True
        return parts.scheme == "https" and (host == "slack.com" or host.endswith(".slack.com"))


def escape(text: str) -> str:
    """Slack reads `<`, `>` and `&` as markup: an agent's "<b>" must arrive as typed."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _thread_ts(message: OutboundText) -> str | None:
    """The `ts` in our `channel:ts` external id, when it is a message of this conversation."""
    if not message.reply_to_external_id:
        return None
    channel, _, ts = message.reply_to_external_id.partition(":")
    return ts if channel == message.conversation and ts else None
