"""Meta's Graph API as the local cloud needs it: WhatsApp Cloud API, Messenger and Instagram messaging.

Routes (`graph.facebook.com`, `graph.instagram.com` and Meta's CDNs share the fake server's root):
- `POST /v21.0/<phone_number_id>/messages`: WhatsApp's send; answers `messages[0].id` (`wamid.…`).
- `GET /v21.0/<media_id>`, then `GET /whatsapp_business/attachments/?mid=…`: WhatsApp media, both
  with the bearer token.
- `POST /v21.0/me/messages`: the Send API of Messenger and of Instagram; answers `message_id` (`m_…`).
  Messenger's requires `messaging_type` and Instagram's has none: that is how the fake, where the
  two hosts share one root, tells them apart.
- `GET /fbcdn/<name>` (Messenger) and `GET /ig_messaging_cdn/?asset_id=…` (Instagram): attachment URLs,
  as webhooks carry them; no token, as on Meta's CDN.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Mapping
from typing import Any

from werkzeug.wrappers import Request, Response

from sportello.providers.meta import GRAPH_API_VERSION

from . import FakeRoute, Recorder, View, json_response

# A 1x1 transparent PNG: every media download answers it.
TINY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
WHATSAPP_TEXT_LIMIT = 4096
MESSENGER_TEXT_LIMIT = 2000
INSTAGRAM_TEXT_LIMIT_BYTES = 1000
MESSAGING_TYPES = frozenset({"RESPONSE", "UPDATE", "MESSAGE_TAG"})
_VERSION = f"/{GRAPH_API_VERSION}"
_RUN = secrets.token_hex(4)


class GraphError(Exception):
    """A request the real Graph API refuses; becomes its error body."""

    def __init__(self, message: str, code: int = 100, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.status = status

    def response(self, request: Request) -> Response:
        trace = hashlib.sha256(request.get_data()).hexdigest()[:11]
        body = {
            "error": {"message": str(self), "type": "OAuthException", "code": self.code, "fbtrace_id": trace}
        }
        return json_response(body, self.status)


def _token(request: Request) -> str:
    """Graph takes the token as a bearer header or as `access_token`; either must be there."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip() if scheme.lower() == "bearer" else request.args.get("access_token", "")
    if not token:
        raise GraphError(
            "An active access token must be used to query information about the current user.", 2500
        )
    if any(character.isspace() for character in token):
        raise GraphError("Invalid OAuth access token - Cannot parse access token", 190, 401)
    return token


def _json_body(request: Request) -> Mapping[str, Any]:
    try:
        body = json.loads(request.get_data() or b"null")
    except ValueError as error:
        raise GraphError(f"(#100) The request body is not valid JSON: {error}") from error
    if not isinstance(body, dict):
        raise GraphError("(#100) The request body must be a JSON object")
    return body


def _text_param(container: Any, name: str) -> str:
    value = container.get(name) if isinstance(container, dict) else None
    if not isinstance(value, str) or not value.strip():
        raise GraphError(f"(#100) The parameter {name} is required")
    return value


def _message_id(prefix: str, seq: int) -> str:
    # Unique across restarts too: the local cloud keeps its tickets, and their ids, between runs.
    return prefix + base64.urlsafe_b64encode(f"fake-{_RUN}-{seq:08d}".encode()).decode().rstrip("=")


def _graph_view(action: View) -> View:
    """Turns a refused request into Graph's error body, so each view only states what it checks."""

    def view(request: Request, recorder: Recorder, arguments: Mapping[str, Any]) -> Response:
        try:
            response: Response = action(request, recorder, arguments)
        except GraphError as error:
            return error.response(request)
        return response

    return view


# --- WhatsApp Cloud API ------------------------------------------------------------------------------


def whatsapp_send(request: Request, recorder: Recorder, arguments: Mapping[str, Any]) -> Response:
    _token(request)
    body = _json_body(request)
    if not str(arguments["phone_number_id"]).isdigit():
        raise GraphError(f"(#100) Unsupported post request. Object with ID '{arguments['phone_number_id']}'")
    if body.get("messaging_product") != "whatsapp":
        raise GraphError("(#100) The parameter messaging_product is required.")
    to = _text_param(body, "to")
    if not to.removeprefix("+").isdigit():
        raise GraphError("(#100) Invalid parameter: to must be a phone number", 131009)
    if body.get("type", "text") != "text":
        raise GraphError(f"(#131009) The fake sends text only, not {body.get('type')!r}", 131009)
    text = _text_param(body.get("text"), "body")
    if len(text) > WHATSAPP_TEXT_LIMIT:
        raise GraphError(f"(#100) Param text['body'] must be at most {WHATSAPP_TEXT_LIMIT} characters long.")
    context = body.get("context")
    if context is not None:
        _text_param(context, "message_id")
    entry = recorder.record("whatsapp", "send_message", request, body)
    wa_id = to.removeprefix("+")
    return json_response(
        {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": wa_id}],
            "messages": [{"id": _message_id("wamid.", entry["seq"])}],
        }
    )


def whatsapp_media(request: Request, recorder: Recorder, arguments: Mapping[str, Any]) -> Response:
    _token(request)
    media_id = str(arguments["media_id"])
    if not media_id.isdigit():
        raise GraphError(f"(#100) Unsupported get request. Object with ID '{media_id}' does not exist", 100)
    recorder.record("whatsapp", "media_metadata", request, {"media_id": media_id})
    # Relative to where this request arrived, so the fake works mounted under any prefix.
    root = request.base_url.removesuffix(f"{_VERSION}/{media_id}")
    return json_response(
        {
            "messaging_product": "whatsapp",
            "url": f"{root}/whatsapp_business/attachments/?mid={media_id}&ext=1700000000&hash=fake",
            "mime_type": "image/png",
            "sha256": hashlib.sha256(TINY_PNG).hexdigest(),
            "file_size": len(TINY_PNG),
            "id": media_id,
        }
    )


def whatsapp_download(request: Request, recorder: Recorder, arguments: Mapping[str, Any]) -> Response:
    _token(request)
    media_id = request.args.get("mid", "")
    if not media_id.isdigit():
        raise GraphError("(#100) Invalid media URL", 100, 404)
    recorder.record("whatsapp", "media_download", request, {"media_id": media_id})
    return Response(TINY_PNG, content_type="image/png")


# --- Messenger and Instagram --------------------------------------------------------------------------


def messaging_send(request: Request, recorder: Recorder, arguments: Mapping[str, Any]) -> Response:
    _token(request)
    body = _json_body(request)
    recipient = _text_param(body.get("recipient"), "id")
    text = _text_param(body.get("message"), "text")
    if "messaging_type" in body:
        provider = "messenger"
        if body["messaging_type"] not in MESSAGING_TYPES:
            raise GraphError("(#100) param messaging_type must be one of {RESPONSE, UPDATE, MESSAGE_TAG}")
        if body["messaging_type"] == "MESSAGE_TAG":
            _text_param(body, "tag")
        if len(text) > MESSENGER_TEXT_LIMIT:
            raise GraphError(
                f"(#100) Length of param message[text] must be less than or equal to {MESSENGER_TEXT_LIMIT}"
            )
    else:
        provider = "instagram"
        if len(text.encode()) > INSTAGRAM_TEXT_LIMIT_BYTES:
            raise GraphError(f"(#100) Message text must be {INSTAGRAM_TEXT_LIMIT_BYTES} bytes or less")
    entry = recorder.record(provider, "send_message", request, body)
    return json_response({"recipient_id": recipient, "message_id": _message_id("m_", entry["seq"])})


def messenger_cdn(request: Request, recorder: Recorder, arguments: Mapping[str, Any]) -> Response:
    recorder.record("messenger", "media_download", request, {"name": arguments["name"]})
    return Response(TINY_PNG, content_type="image/png")


def instagram_cdn(request: Request, recorder: Recorder, arguments: Mapping[str, Any]) -> Response:
    asset_id = request.args.get("asset_id", "")
    if not asset_id:
        raise GraphError("URL signature mismatch", 100, 403)
    recorder.record("instagram", "media_download", request, {"asset_id": asset_id})
    return Response(TINY_PNG, content_type="image/png")


ROUTES = [
    FakeRoute("POST", f"{_VERSION}/me/messages", _graph_view(messaging_send)),
    FakeRoute("POST", f"{_VERSION}/<phone_number_id>/messages", _graph_view(whatsapp_send)),
    FakeRoute("GET", f"{_VERSION}/<media_id>", _graph_view(whatsapp_media)),
    FakeRoute("GET", "/whatsapp_business/attachments/", _graph_view(whatsapp_download)),
    FakeRoute("GET", "/fbcdn/<path:name>", _graph_view(messenger_cdn)),
    FakeRoute("GET", "/ig_messaging_cdn/", _graph_view(instagram_cdn)),
]
