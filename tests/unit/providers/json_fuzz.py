"""Broken variants of a JSON payload: an adapter must answer each with events or a PayloadError."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

from sportello.providers.webhook import PayloadError, ProviderAdapter, WebhookEvent, WebhookRequest

# Values of every JSON type, plus the ones that break naive code: NaN, huge numbers, nested junk.
ODD_VALUES: tuple[Any, ...] = (None, "", "x", -1, 1.5, True, [], {}, [1], {"a": 1}, 10**30, float("nan"))
NOT_OBJECTS = (b"", b"[]", b"null", b"42", b'"text"', b"\xff\xfe", b"{", b"[" * 100_000)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for key, child in value.items():
            yield (*path, key)
            yield from _paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield (*path, index)
            yield from _paths(child, (*path, index))


def _container(document: Any, path: tuple[Any, ...]) -> Any:
    for step in path[:-1]:
        document = document[step]
    return document


def broken_variants(body: bytes) -> Iterator[bytes]:
    """Every field removed, every field replaced by each odd value, and the body cut short."""
    payload = json.loads(body)
    for path in _paths(payload):
        removed = copy.deepcopy(payload)
        del _container(removed, path)[path[-1]]
        yield json.dumps(removed).encode()
        for odd in ODD_VALUES:
            replaced = copy.deepcopy(payload)
            _container(replaced, path)[path[-1]] = odd
            yield json.dumps(replaced).encode()
    for cut in range(1, len(body), max(1, len(body) // 25)):
        yield body[:cut]
    yield from NOT_OBJECTS


def events_or_payload_error(adapter: ProviderAdapter, request: WebhookRequest) -> list[WebhookEvent]:
    """The events, or [] when the adapter refused the body with a PayloadError (nothing else may escape)."""
    try:
        events = list(adapter.parse(request))
    except PayloadError:
        return []
    assert events, "a payload must yield at least one event (Unsupported included)"
    for event in events:
        assert isinstance(event, WebhookEvent), event
    return events
