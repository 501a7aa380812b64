"""Reading a provider's JSON without trusting its shape: any surprise is a PayloadError.

Used by the Telegram and Slack adapters, whose payloads are plain JSON objects; a wrong type, a
missing field or an impossible timestamp must never escape as a KeyError or TypeError.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from .webhook import PayloadError

JsonObject = Mapping[str, Any]


def json_object(body: bytes) -> JsonObject:
    try:
        value = json.loads(body)
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError too
        raise PayloadError(f"the body is not JSON: {error}") from error
    return as_object(value, "the body")


def as_object(value: Any, where: str) -> JsonObject:
    if not isinstance(value, dict):
        raise PayloadError(f"{where} is not a JSON object")
    return value


def required_object(parent: JsonObject, key: str) -> JsonObject:
    if key not in parent:
        raise PayloadError(f"{key} is missing")
    return as_object(parent[key], key)


def optional_object(parent: JsonObject, key: str) -> JsonObject | None:
    value = parent.get(key)
    return None if value is None else as_object(value, key)


def optional_list(parent: JsonObject, key: str) -> list[Any]:
    value = parent.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise PayloadError(f"{key} is not a JSON array")
    return value


def optional_str(parent: JsonObject, key: str) -> str | None:
    value = parent.get(key)
    if value is not None and not isinstance(value, str):
        raise PayloadError(f"{key} is not a string")
    return value


def required_str(parent: JsonObject, key: str) -> str:
    value = optional_str(parent, key)
    if not value:
        raise PayloadError(f"{key} is missing")
    return value


def optional_int(parent: JsonObject, key: str) -> int | None:
    value = parent.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise PayloadError(f"{key} is not an integer")
    return value


def required_int(parent: JsonObject, key: str) -> int:
    value = optional_int(parent, key)
    if value is None:
        raise PayloadError(f"{key} is missing")
    return value


def required_number(parent: JsonObject, key: str) -> float:
    value = parent.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise PayloadError(f"{key} is not a number")
    return value


def from_epoch(seconds: float | str) -> datetime:
    """An aware UTC datetime from epoch seconds (Slack writes them as text: "1596183880.004200")."""
    try:
        value = float(seconds)
        return datetime.fromtimestamp(value, UTC)
    except (ValueError, OverflowError, OSError) as error:  # "abc", NaN, 1e300
        raise PayloadError(f"{seconds!r} is not a timestamp") from error
