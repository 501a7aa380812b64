"""Twilio's REST API: replies as SMS (for the "twilio-sms" and "twilio-voice" channels) and media.

Secrets: `account_sid`, `auth_token`, and `from_number` or `messaging_service_sid` (see
`sportello.providers.twilio`).
"""

from __future__ import annotations

import base64
import mimetypes
from urllib.parse import quote, urlsplit

from ...providers.webhook import FetchedMedia, MediaRef, OutboundText, ProviderHttpError, ProviderSecrets
from ..http import HttpClient, HttpResponse

API_BASE_URL = "https://api.twilio.com"
MAX_BODY_CHARACTERS = 1600  # Twilio refuses longer bodies (error 21617)


class TwilioApi:
    def __init__(self, base_url: str | None = None, http: HttpClient | None = None) -> None:
        self._base_url = (base_url or API_BASE_URL).rstrip("/")
        self._http = http or HttpClient()

    def send(self, message: OutboundText, secrets: ProviderSecrets) -> str:
        """Sends the text as SMS, split where Twilio's limit requires; returns the last part's SID
        (its delivery is the whole reply's)."""
        account_sid = secrets.require("account_sid")
        url = f"{self._base_url}/2010-04-01/Accounts/{quote(account_sid)}/Messages.json"
        sid = ""
        for part in split_body(message.text):
            form = {"To": message.conversation, **_sender(secrets), "Body": part}
            response = self._http.request("POST", url, headers=_basic_auth(secrets), form=form)
            sid = _message_sid(response, url)
        return sid

    def fetch_media(self, media: MediaRef, secrets: ProviderSecrets) -> FetchedMedia:
        """Downloads a MediaUrl (MMS) or RecordingUrl, following Twilio's redirect to the file."""
        if not media.url:
            raise ValueError("Twilio media are fetched by URL")
        headers = _basic_auth(secrets) if self._is_api_url(media.url) else {}
        response = self._http.request("GET", media.url, headers=headers)
        content_type = _header(response, "Content-Type") or media.content_type or "application/octet-stream"
        content_type = content_type.split(";")[0].strip()
        return FetchedMedia(response.body, content_type, _filename(media.url, content_type))

    def _is_api_url(self, url: str) -> bool:
        """Our credentials go to Twilio's API host only, never to another host a payload names."""
        ours, theirs = urlsplit(self._base_url), urlsplit(url)
        return (ours.scheme, ours.netloc) == (theirs.scheme, theirs.netloc)


def split_body(text: str, limit: int = MAX_BODY_CHARACTERS) -> list[str]:
    """The text in parts Twilio accepts, cut at a space or line break where there is one."""
    parts: list[str] = []
    while len(text) > limit:
        cut = max(text.rfind(" ", 0, limit + 1), text.rfind("\n", 0, limit + 1))
        cut = cut if cut > 0 else limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return [*parts, text]


def _sender(secrets: ProviderSecrets) -> dict[str, str]:
    service = secrets.values.get("messaging_service_sid")
    if service:
        return {"MessagingServiceSid": service}
    return {"From": secrets.require("from_number")}


def _basic_auth(secrets: ProviderSecrets) -> dict[str, str]:
    pair = f"{secrets.require('account_sid')}:{secrets.require('auth_token')}"
    return {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}


def _message_sid(response: HttpResponse, url: str) -> str:
    try:
        sid = response.json()["sid"]
    except (ValueError, KeyError, TypeError) as error:
        raise ProviderHttpError(response.status, response.body.decode(errors="replace"), url) from error
    if not isinstance(sid, str) or not sid:
        raise ProviderHttpError(response.status, "no message sid in the answer", url)
    return sid


def _header(response: HttpResponse, name: str) -> str | None:
    return next((value for key, value in response.headers.items() if key.lower() == name.lower()), None)


def _filename(url: str, content_type: str) -> str:
    """Twilio media have no name: their SID, with the extension of their type."""
    name = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1] or "media"
    if "." in name:
        return name
    return name + (mimetypes.guess_extension(content_type) or "")
