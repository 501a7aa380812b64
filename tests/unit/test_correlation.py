"""One correlation id through a ticket's life: the context, the events that keep it, the stream."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sportello import correlation
from sportello.tickets.events import Event, StatusChanged
from sportello.tickets.stream import StreamChange, event_from_image

AT = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def event_image(**overrides: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "pk": "TICKET#42",
        "sk": "EVT#2026-12-01T09:30:00.000000Z#e1",
        "item_type": "event",
        "id": "e1",
        "ticket_number": Decimal(42),
        "kind": "status_changed",
        "actor": "agent-1",
        "data": json.dumps({"old": "new", "new": "open"}),
        "created_at": "2026-12-01T09:30:00.000000Z",
    }
    item.update(overrides)
    return item


def test_no_id_outside_any_work() -> None:
    assert correlation.current() is None


def test_bound_sets_the_id_for_the_block_and_restores_the_previous_one() -> None:
    with correlation.bound("mail-1") as outer:
        assert outer == "mail-1"
        assert correlation.current() == "mail-1"
        with correlation.bound("webhook-2"):
            assert correlation.current() == "webhook-2"
        assert correlation.current() == "mail-1"
    assert correlation.current() is None


def test_bound_restores_the_previous_id_when_the_block_raises() -> None:
    try:
        with correlation.bound("mail-1"):
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert correlation.current() is None


def test_ids_are_cleaned_blank_and_non_text_become_none_long_ones_are_cut() -> None:
    assert correlation.clean("  abc  ") == "abc"
    assert correlation.clean("") is None
    assert correlation.clean("   ") is None
    assert correlation.clean(42) is None
    assert correlation.clean(None) is None
    assert correlation.clean("x" * 1000) == "x" * correlation.MAX_LENGTH
    with correlation.bound("   "):
        assert correlation.current() is None


def test_each_thread_keeps_its_own_id() -> None:
    seen: dict[str, str | None] = {}

    def work(name: str) -> None:
        with correlation.bound(name):
            barrier.wait()
            seen[name] = correlation.current()

    barrier = threading.Barrier(2)
    threads = [threading.Thread(target=work, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {"a": "a", "b": "b"}


def test_a_new_event_keeps_the_current_id_and_none_outside_any_work() -> None:
    with correlation.bound("0000019b-ses-id"):
        inside = Event.new(7, "system", AT, StatusChanged(old="new", new="open"))
    outside = Event.new(7, "system", AT, StatusChanged(old="new", new="open"))

    assert inside.correlation_id == "0000019b-ses-id"
    assert outside.correlation_id is None
    # It belongs to the event, not to its payload: the audit trail's data is unchanged.
    assert "correlation_id" not in inside.data


def test_the_stream_decoder_reads_the_stored_id() -> None:
    change = StreamChange("INSERT", {}, event_image(correlation_id="abc123"))

    assert event_from_image(event_image(correlation_id="abc123")).correlation_id == "abc123"
    assert change.correlation_id == "abc123"
    assert change.ticket_number == 42


def test_events_stored_without_an_id_or_with_a_malformed_one_still_decode() -> None:
    assert event_from_image(event_image()).correlation_id is None
    assert event_from_image(event_image(correlation_id={"S": "x"})).correlation_id is None
    assert StreamChange("INSERT", {}, event_image()).correlation_id is None
    assert StreamChange("INSERT", {}, event_image(ticket_number="x")).ticket_number is None
    assert StreamChange("REMOVE", {}, None).ticket_number is None
