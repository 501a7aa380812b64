"""Slack's Web API as Sportello uses it: chat.postMessage, and downloading a shared file (url_private).

Checked as Slack checks it, and refused the way Slack refuses: HTTP 200 with `{"ok": false, "error":
"<code>"}` (not_authed, invalid_auth, channel_not_found, no_text, msg_too_long, invalid_thread_ts). A file
URL requested without the bot token gets Slack's sign-in page (HTML, 200) instead of the file.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Mapping
from typing import Any

from werkzeug.wrappers import Request, Response

from sportello.clock import utc_now

from . import FakeRoute, Recorder, json_response
from .telegram import TINY_PNG

PROVIDER = "slack"
TOKEN = re.compile(r"xox[bp]-[A-Za-z0-9-]+")
CHANNEL = re.compile(r"[CDGU][A-Z0-9]{2,}")
TS = re.compile(r"[0-9]{10}\.[0-9]{6}")
MAX_TEXT_CHARACTERS = 40_000
BOT_USER = "U0FAKEBOT"
BOT_ID = "B0FAKEBOT"
SIGN_IN_PAGE = "<!DOCTYPE html><html><head><title>Slack</title></head><body>Sign in to Slack</body></html>"


def slack_error(code: str) -> Response:
    return json_response({"ok": False, "error": code})


def _bearer_error(request: Request) -> str | None:
    scheme, _, token = (request.headers.get("Authorization") or "").partition(" ")
    if not token:
        return "not_authed"
    if scheme.lower() != "bearer" or not TOKEN.fullmatch(token):
        return "invalid_auth"
    return None


def _arguments(request: Request) -> dict[str, Any]:
    if request.is_json:
        body = request.get_json(silent=True)
        return body if isinstance(body, dict) else {}
    return request.form.to_dict()


def _message_error(arguments: Mapping[str, Any]) -> str | None:
    channel, text, thread_ts = arguments.get("channel"), arguments.get("text"), arguments.get("thread_ts")
    if not isinstance(channel, str) or not CHANNEL.fullmatch(channel):
        return "channel_not_found"
    if not isinstance(text, str) or not text.strip():
        return "no_text"
    if len(text) > MAX_TEXT_CHARACTERS:
        return "msg_too_long"
    if thread_ts is not None and (not isinstance(thread_ts, str) or not TS.fullmatch(thread_ts)):
        return "invalid_thread_ts"
    return None


def post_message(request: Request, recorder: Recorder, arguments: Mapping[str, Any]) -> Response:
    body = _arguments(request)
    error = _bearer_error(request) or _message_error(body)
    if error:
        return slack_error(error)
    entry = recorder.record(PROVIDER, "chat.postMessage", request, body)
    ts = f"{int(utc_now().timestamp())}.{entry['seq']:06d}"
    # Posting to a user id opens (or reuses) the direct message with them.
    channel = "D" + body["channel"][1:] if body["channel"].startswith("U") else body["channel"]
    message = {"type": "message", "text": body["text"], "user": BOT_USER, "bot_id": BOT_ID, "ts": ts}
    if "thread_ts" in body:
        message["thread_ts"] = body["thread_ts"]
    return json_response({"ok": True, "channel": channel, "ts": ts, "message": message})


def download_file(request: Request, recorder: Recorder, arguments: Mapping[str, Any]) -> Response:
    if _bearer_error(request):
        return Response(SIGN_IN_PAGE, content_type="text/html; charset=utf-8")
    file_path = arguments["file_path"]
    recorder.record(PROVIDER, "download", request, {"file_path": file_path})
    content_type = mimetypes.guess_type(file_path)[0] or "application/octet-stream"
    return Response(TINY_PNG, content_type=content_type)


ROUTES: list[FakeRoute] = [
    FakeRoute("POST", "/api/chat.postMessage", post_message),
    FakeRoute("GET", "/files-pri/<path:file_path>", download_file),
]
