"""Telegram's Bot API as Sportello uses it: sendMessage, getFile and the file download URL.

Checked as Telegram checks it: the bot token is in the path (a malformed one is 401 Unauthorized),
parameters come as JSON, a form or the query string, and every refusal is
`{"ok": false, "error_code": …, "description": "Bad Request: …"}`. The file server answers
`application/octet-stream`, as Telegram's does for most files.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from typing import Any

from werkzeug.wrappers import Request, Response

from sportello.clock import utc_now

from . import FakeRoute, Recorder, json_response

PROVIDER = "telegram"
TOKEN = re.compile(r"[0-9]{1,20}:[A-Za-z0-9_-]{20,}")
CHAT_USERNAME = re.compile(r"@[A-Za-z][A-Za-z0-9_]{3,31}")
FILE_ID = re.compile(r"[A-Za-z0-9_-]{4,}")
FILE_PATH = re.compile(r"[a-z_]+/file_[0-9]+\.[a-z0-9]+")
MAX_TEXT_UNITS = 4096
BOT = {"id": 7000000001, "is_bot": True, "first_name": "Sportello", "username": "sportello_fake_bot"}

# A 1x1 transparent PNG: small, deterministic, and a real image.
TINY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


def telegram_error(status: int, description: str) -> Response:
    return json_response({"ok": False, "error_code": status, "description": description}, status)


def _bad_request(reason: str) -> Response:
    return telegram_error(400, f"Bad Request: {reason}")


def _ok(result: Mapping[str, Any]) -> Response:
    return json_response({"ok": True, "result": result})


def _parameters(request: Request) -> dict[str, Any] | None:
    """The method's parameters from the query, a form or a JSON object; None when the JSON is bad."""
    parameters: dict[str, Any] = request.args.to_dict()
    if request.is_json:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return None
        parameters.update(body)
    else:
        parameters.update(request.form.to_dict())
    return parameters


# --- sendMessage -------------------------------------------------------------------------------------


def _chat_id_error(chat_id: Any) -> str | None:
    if chat_id is None or chat_id == "":
        return "chat_id is empty"
    if isinstance(chat_id, bool) or not isinstance(chat_id, int | str):
        return "chat not found"
    if isinstance(chat_id, str) and not (chat_id.lstrip("-").isdigit() or CHAT_USERNAME.fullmatch(chat_id)):
        return "chat not found"
    return None


def _text_error(text: Any) -> str | None:
    if not isinstance(text, str) or not text.strip():
        return "message text is empty"
    if len(text.encode("utf-16-le")) // 2 > MAX_TEXT_UNITS:
        return "message is too long"
    return None


def _reply_error(reply: Any) -> str | None:
    if reply is None:
        return None
    message_id = reply.get("message_id") if isinstance(reply, dict) else None
    if isinstance(message_id, bool) or not isinstance(message_id, int):
        return "can't parse reply parameters JSON object"
    return None


def send_message(request: Request, recorder: Recorder, arguments: Mapping[str, Any]) -> Response:
    if not TOKEN.fullmatch(arguments["token"]):
        return telegram_error(401, "Unauthorized")
    parameters = _parameters(request)
    if parameters is None:
        return _bad_request("can't parse JSON object")
    error = (
        _chat_id_error(parameters.get("chat_id"))
        or _text_error(parameters.get("text"))
        or _reply_error(parameters.get("reply_parameters"))
    )
    if error:
        return _bad_request(error)
    entry = recorder.record(PROVIDER, "sendMessage", request, parameters)
    chat_id = parameters["chat_id"]
    chat = {"id": int(chat_id) if str(chat_id).lstrip("-").isdigit() else -1001000000000, "type": "private"}
    return _ok(
        {
            "message_id": entry["seq"],
            "from": BOT,
            "chat": chat,
            "date": int(utc_now().timestamp()),
            "text": parameters["text"],
        }
    )


# --- media -------------------------------------------------------------------------------------------


def get_file(request: Request, recorder: Recorder, arguments: Mapping[str, Any]) -> Response:
    if not TOKEN.fullmatch(arguments["token"]):
        return telegram_error(401, "Unauthorized")
    parameters = _parameters(request)
    file_id = parameters.get("file_id") if parameters else None
    if not file_id:
        return _bad_request("file_id is empty")
    if not isinstance(file_id, str) or not FILE_ID.fullmatch(file_id):
        return _bad_request("invalid file_id")
    entry = recorder.record(PROVIDER, "getFile", request, {"file_id": file_id})
    return _ok(
        {
            "file_id": file_id,
            "file_unique_id": f"AgAD{entry['seq']:04d}",
            "file_size": len(TINY_PNG),
            "file_path": f"photos/file_{entry['seq']}.png",
        }
    )


def download_file(request: Request, recorder: Recorder, arguments: Mapping[str, Any]) -> Response:
    if not TOKEN.fullmatch(arguments["token"]) or not FILE_PATH.fullmatch(arguments["file_path"]):
        return telegram_error(404, "Not Found")
    recorder.record(PROVIDER, "download", request, {"file_path": arguments["file_path"]})
    return Response(TINY_PNG, content_type="application/octet-stream")


ROUTES: list[FakeRoute] = [
    FakeRoute("POST", "/bot<token>/sendMessage", send_message),
    FakeRoute("GET", "/bot<token>/getFile", get_file),
    FakeRoute("POST", "/bot<token>/getFile", get_file),
    FakeRoute("GET", "/file/bot<token>/<path:file_path>", download_file),
]
