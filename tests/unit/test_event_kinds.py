"""The event kinds are one closed set: every kind has its payload, and the agent app knows them all."""

from __future__ import annotations

import re

from sportello.tickets.events import PAYLOADS, EventKind, payload_from
from tests.conftest import PROJECT_ROOT


def test_every_kind_has_exactly_one_payload_type() -> None:
    assert set(PAYLOADS) == set(EventKind)
    assert all(payload.kind is kind for kind, payload in PAYLOADS.items())


def test_a_stored_payload_reads_back_and_ignores_what_it_does_not_know() -> None:
    payload = payload_from("status_changed", {"old": "new", "new": "open", "written_by_a_later_version": 1})
    assert payload.to_data() == {"old": "new", "new": "open"}


def test_the_agent_app_labels_every_kind() -> None:
    types = (PROJECT_ROOT / "web" / "src" / "types.ts").read_text(encoding="utf-8")
    listed = re.search(r"export const EVENT_KINDS = \[(.*?)\] as const", types, re.S)
    assert listed is not None, "web/src/types.ts lists no EVENT_KINDS"
    assert set(re.findall(r'"([a-z_]+)"', listed.group(1))) == {kind.value for kind in EventKind}
