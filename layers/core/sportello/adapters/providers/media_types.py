"""Naming the type of a downloaded attachment, for the provider clients that fetch media."""

from __future__ import annotations

import mimetypes

from ...providers.webhook import MediaRef
from ..http import HttpResponse

GENERIC_TYPE = "application/octet-stream"


def served_type(response: HttpResponse) -> str:
    """The response's media type without parameters; "" when absent or merely generic."""
    value = next((v for k, v in response.headers.items() if k.lower() == "content-type"), "")
    media_type = value.split(";")[0].strip().lower()
    return "" if media_type == GENERIC_TYPE else media_type


def content_type_for(media: MediaRef, response: HttpResponse, filename: str) -> str:
    """What the webhook declared, else what the server said, else what the file name suggests."""
    return media.content_type or served_type(response) or mimetypes.guess_type(filename)[0] or GENERIC_TYPE
