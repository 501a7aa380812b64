"""Hypothesis strategies for webhook bodies: the corpus payloads of each provider with fields replaced by
arbitrary JSON values, removed or retyped, and Twilio's form bodies with parameters changed or dropped."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from hypothesis import strategies as st

from tests.conftest import CORPUS
from tests.unit.providers.test_twilio_voice import (
    CALL_COMPLETED,
    INCOMING_CALL,
    RECORD_ACTION,
    RECORDING_STATUS,
    TRANSCRIPTION,
)

WEBHOOKS = CORPUS / "webhooks"
JSON_CORPUS: dict[str, Path] = {
    "whatsapp": WEBHOOKS / "whatsapp_cloud" / "split",
    "messenger": WEBHOOKS / "facebook_messenger",
    "instagram": WEBHOOKS / "instagram",
    "telegram": WEBHOOKS / "telegram",
    "slack": WEBHOOKS / "slack",  # its schema/ folder holds JSON schemas, not payloads: not globbed
}
JSON_PROVIDERS = tuple(JSON_CORPUS)
FORM_PROVIDERS = ("twilio-sms", "twilio-voice")
# The corpus has no voice payloads: the documented requests test_twilio_voice.py builds stand in.
VOICE_FORMS = (INCOMING_CALL, RECORD_ACTION, RECORDING_STATUS, CALL_COMPLETED, TRANSCRIPTION)
# Parameters Twilio's adapters read, and values that sit on the edges of what they accept.
TWILIO_PARAMETERS = (
    "MessageSid",
    "SmsSid",
    "SmsMessageSid",
    "MessageStatus",
    "SmsStatus",
    "From",
    "Body",
    "NumMedia",
    "MediaUrl0",
    "MediaContentType0",
    "ErrorCode",
    "CallSid",
    "CallStatus",
    "Direction",
    "Timestamp",
    "CallDuration",
    "RecordingUrl",
    "RecordingDuration",
    "RecordingStatus",
    "TranscriptionText",
    "TranscriptionStatus",
)
TWILIO_VALUES = (
    "",
    "received",
    "delivered",
    "undelivered",
    "queued",
    "ringing",
    "completed",
    "inbound",
    "outbound-api",
    "+266696687",
    "+393331234567",
    "0039333123456",
    "anonymous",
    "-1",
    "11",
    "99999999999999999999",
    "Tue, 32 Dec 2024 99:99:99 +0000",
    "Mon, 01 Jan 0001 00:00:00 -2359",
)

JsonPath = tuple[str | int, ...]
JsonMutation = Callable[[st.DrawFn, Any], Any]


@cache
def corpus_payloads(provider: str) -> tuple[Any, ...]:
    return tuple(json.loads(path.read_bytes()) for path in sorted(JSON_CORPUS[provider].glob("*.json")))


@cache
def corpus_forms(provider: str) -> tuple[tuple[tuple[str, str], ...], ...]:
    if provider == "twilio-voice":
        return tuple(tuple(form.items()) for form in VOICE_FORMS)
    paths = sorted((WEBHOOKS / "twilio_sms").glob("*.form.txt"))
    return tuple(tuple(parse_qsl(path.read_text().strip(), keep_blank_values=True)) for path in paths)


def json_values() -> st.SearchStrategy[Any]:
    """Any JSON value, lone surrogates, NaN and numbers beyond every range included."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.sampled_from((10**30, -(10**30), 2**63, 1.5e300)),
        st.floats(),
        st.text(max_size=40),
    )
    return st.recursive(
        scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=4), st.dictionaries(st.text(max_size=10), children, max_size=4)
        ),
        max_leaves=8,
    )


def paths(document: Any, prefix: JsonPath = ()) -> list[JsonPath]:
    """Every key and index in the document, depth first."""
    found: list[JsonPath] = []
    if not isinstance(document, dict | list):
        return found
    children = document.items() if isinstance(document, dict) else enumerate(document)
    for key, child in children:
        found.append((*prefix, key))
        found.extend(paths(child, (*prefix, key)))
    return found


def _parent(document: Any, path: JsonPath) -> Any:
    for step in path[:-1]:
        document = document[step]
    return document


def replace_value(draw: st.DrawFn, document: Any) -> Any:
    path = draw(st.sampled_from(paths(document)))
    _parent(document, path)[path[-1]] = draw(json_values())
    return document


def remove_field(draw: st.DrawFn, document: Any) -> Any:
    path = draw(st.sampled_from(paths(document)))
    del _parent(document, path)[path[-1]]
    return document


def retype_value(draw: st.DrawFn, document: Any) -> Any:
    """The same value as another JSON type: a number as text, text as a number, anything in a list."""
    path = draw(st.sampled_from(paths(document)))
    parent, key = _parent(document, path), path[-1]
    value = parent[key]
    retypes: tuple[Callable[[Any], Any], ...] = (
        json.dumps,
        lambda v: [v],
        lambda v: {"value": v},
        lambda v: len(v) if isinstance(v, str | list | dict) else -1,
        bool,
        lambda v: None,
    )
    parent[key] = draw(st.sampled_from(retypes))(value)
    return document


def duplicate_item(draw: st.DrawFn, document: Any) -> Any:
    """A list item twice, one copy broken: a bad message next to a good one must cost only itself."""
    lists = [path for path in paths(document) if isinstance(_parent(document, (*path, 0)), list)]
    if not lists:
        return document
    path = draw(st.sampled_from(lists))
    items = _parent(document, (*path, 0))
    if not items:
        return document
    broken = copy.deepcopy(items[0])
    items.append(replace_value(draw, broken) if paths(broken) else draw(json_values()))
    return document


JSON_MUTATIONS: tuple[JsonMutation, ...] = (replace_value, remove_field, retype_value, duplicate_item)


@st.composite
def mutated_json_body(draw: st.DrawFn, provider: str) -> bytes:
    """A corpus payload of `provider` with one to four fields replaced, removed or retyped."""
    document = copy.deepcopy(draw(st.sampled_from(corpus_payloads(provider))))
    for mutation in draw(st.lists(st.sampled_from(JSON_MUTATIONS), min_size=1, max_size=4)):
        if paths(document):
            document = mutation(draw, document)
    return json.dumps(document).encode()


def json_body(provider: str) -> st.SearchStrategy[bytes]:
    """Mostly mutated corpus payloads; sometimes any JSON at all, or bytes that are not JSON."""
    return st.one_of(
        mutated_json_body(provider),
        mutated_json_body(provider),
        mutated_json_body(provider),
        json_values().map(lambda value: json.dumps(value).encode()),
        st.binary(max_size=200),
    )


def twilio_text() -> st.SearchStrategy[str]:
    # Form bodies are UTF-8: lone surrogates cannot be sent at all.
    return st.one_of(
        st.sampled_from(TWILIO_VALUES), st.text(st.characters(exclude_categories=["Cs"]), max_size=60)
    )


@st.composite
def mutated_form(draw: st.DrawFn, provider: str) -> tuple[tuple[str, str], ...]:
    """A Twilio form with parameters replaced, dropped or added (repeated names included)."""
    fields = list(draw(st.sampled_from(corpus_forms(provider))))
    for _ in range(draw(st.integers(1, 4))):
        how = draw(st.sampled_from(("replace", "drop", "add")))
        if how == "add" or not fields:
            fields.append((draw(st.sampled_from(TWILIO_PARAMETERS)), draw(twilio_text())))
            continue
        at = draw(st.integers(0, len(fields) - 1))
        if how == "drop":
            del fields[at]
        else:
            fields[at] = (fields[at][0], draw(twilio_text()))
    return tuple(fields)
