"""Twilio's REST API as Sportello uses it: send a message, download MMS media and call recordings.

Requests are checked as Twilio checks them (Basic auth of the account in the path, To/From/Body,
the 1600-character limit) and refused with Twilio's JSON error shape. Media answer, like Twilio, with a
redirect to a short-lived CDN URL that refuses a request still carrying the Basic credentials, as S3
does.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import struct
import uuid
from collections.abc import Mapping
from email.utils import format_datetime
from typing import Any

from werkzeug.wrappers import Request, Response

from sportello.clock import utc_now

from . import FakeRoute, Recorder, json_response

PROVIDER = "twilio"
API = "/2010-04-01/Accounts/<account_sid>"
E164 = re.compile(r"\+[1-9][0-9]{6,14}")
MAX_BODY_CHARACTERS = 1600

# A 1x1 transparent PNG and a WAV header with no samples: small, deterministic, of the right type.
TINY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
SILENT_WAV = (
    b"RIFF" + struct.pack("<I", 36) + b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 1, 8000, 16000, 2, 16)
)
SILENT_WAV += b"data" + struct.pack("<I", 0)


def twilio_error(status: int, code: int, message: str) -> Response:
    return json_response(
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
        status,
    )


def _authenticated(request: Request, account_sid: str) -> bool:
    """Basic auth with the account SID of the path as user (the fake cannot know the token)."""
    scheme, _, encoded = (request.headers.get("Authorization") or "").partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        user, _, token = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return user == account_sid and bool(token)


def _unauthenticated() -> Response:
    return twilio_error(401, 20003, "Authenticate")


def _sid(prefix: str) -> str:
    return prefix + uuid.uuid4().hex


# --- send a message ----------------------------------------------------------------------------------


def _message_error(form: Mapping[str, str]) -> Response | None:
    to, sender, body = form.get("To", ""), form.get("From", ""), form.get("Body", "")
    service = form.get("MessagingServiceSid", "")
    if not to:
        return twilio_error(400, 21604, "A 'To' phone number is required.")
    if not sender and not service:
        return twilio_error(400, 21603, "A 'From' phone number is required.")
    if not body and not form.get("MediaUrl"):
        return twilio_error(400, 21602, "Message body is required.")
    if len(body) > MAX_BODY_CHARACTERS:
        return twilio_error(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
    if not E164.fullmatch(to):
        return twilio_error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
    if sender and not E164.fullmatch(sender):
        return twilio_error(400, 21212, f"The 'From' number {sender} is not a valid phone number.")
    if service and not re.fullmatch(r"MG[0-9a-f]{32}", service):
        return twilio_error(400, 21701, f"The Messaging Service Sid {service} is invalid.")
    return None


def send_message(request: Request, recorder: Recorder, arguments: Mapping[str, Any]) -> Response:
    account_sid = arguments["account_sid"]
    if not _authenticated(request, account_sid):
        return _unauthenticated()
    form = request.form.to_dict()
    if error := _message_error(form):
        return error
    sid = _sid("SM")
    recorder.record(PROVIDER, "send_message", request, {"account_sid": account_sid, "sid": sid, **form})
    return json_response(_message_resource(account_sid, sid, form), 201)


def _message_resource(account_sid: str, sid: str, form: Mapping[str, str]) -> dict[str, Any]:
    now = format_datetime(utc_now())
    body = form.get("Body", "")
    uri = f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}"
    return {
        "account_sid": account_sid,
        "api_version": "2010-04-01",
        "body": body,
        "date_created": now,
        "date_sent": None,
        "date_updated": now,
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": form.get("From"),
        "messaging_service_sid": form.get("MessagingServiceSid"),
        "num_media": "0",
        "num_segments": str(1 if len(body) <= 160 else math.ceil(len(body) / 153)),
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        "status": "queued" if form.get("From") else "accepted",
        "subresource_uris": {"media": f"{uri}/Media.json"},
        "to": form["To"],
        "uri": f"{uri}.json",
    }


# --- media and recordings ----------------------------------------------------------------------------


def fetch_media(request: Request, recorder: Recorder, arguments: Mapping[str, Any]) -> Response:
    """Twilio redirects an authenticated media request to the file on its CDN."""
    account_sid = arguments["account_sid"]
    if not _authenticated(request, account_sid):
        return _unauthenticated()
    recorder.record(PROVIDER, "fetch_media", request, dict(arguments))
    location = f"{request.host_url}twilio-cdn/{account_sid}/{arguments['media_sid']}?Expires=1&Signature=fake"
    return Response(status=307, headers={"Location": location})


def cdn_file(request: Request, recorder: Recorder, arguments: Mapping[str, Any]) -> Response:
    if "Authorization" in request.headers:
        return Response(
            "<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed; only the "
            "X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization "
            "header should be specified</Message></Error>",
            status=400,
            content_type="application/xml",
        )
    return Response(TINY_PNG, content_type="image/png")


def fetch_recording(request: Request, recorder: Recorder, arguments: Mapping[str, Any]) -> Response:
    account_sid = arguments["account_sid"]
    if not _authenticated(request, account_sid):
        return _unauthenticated()
    recording_sid = arguments["recording_sid"].removesuffix(".wav")
    if not re.fullmatch(r"RE[0-9a-f]{32}", recording_sid):
        return twilio_error(404, 20404, f"The requested resource {request.path} was not found")
    recorder.record(PROVIDER, "fetch_recording", request, dict(arguments))
    return Response(SILENT_WAV, content_type="audio/x-wav")


ROUTES: list[FakeRoute] = [
    FakeRoute("POST", f"{API}/Messages.json", send_message),
    FakeRoute("GET", f"{API}/Messages/<message_sid>/Media/<media_sid>", fetch_media),
    FakeRoute("GET", "/twilio-cdn/<account_sid>/<media_sid>", cdn_file),
    FakeRoute("GET", f"{API}/Recordings/<recording_sid>", fetch_recording),
]
