"""Decoding the table's stream records into typed ticket events (images already plain Python)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from sportello.tickets.events import EventKind, MessageAdded, StatusChanged
from sportello.tickets.stream import StreamChange, UndecodableEventError, event_from_image

AT = datetime(2026, 12, 1, 9, 30, 15, 123456, tzinfo=UTC)
KEYS = {"pk": "TICKET#42", "sk": "EVT#2026-12-01T09:30:15.123456Z#e1"}


def image(**overrides: Any) -> dict[str, Any]:
    """An event item as the stream's NewImage holds it: numbers are Decimals, data is JSON text."""
    item: dict[str, Any] = {
        **KEYS,
        "item_type": "event",
        "id": "e1",
        "ticket_number": Decimal(42),
        "kind": "status_changed",
        "actor": "agent-1",
        "data": json.dumps({"old": "new", "new": "open"}),
        "created_at": "2026-12-01T09:30:15.123456Z",
    }
    item.update(overrides)
    return {name: value for name, value in item.items() if value is not None}


def test_an_event_item_becomes_a_typed_event() -> None:
    event = event_from_image(image())

    assert (event.id, event.ticket_number, event.actor, event.created_at) == ("e1", 42, "agent-1", AT)
    assert event.kind is EventKind.STATUS_CHANGED
    assert event.payload == StatusChanged(old="new", new="open")


def test_data_stored_as_a_map_reads_the_same() -> None:
    event = event_from_image(image(kind="message_added", data={"author_type": "customer", "public": True}))

    assert event.payload == MessageAdded(author_type="customer", public=True)


def test_an_event_without_data_takes_the_payload_defaults() -> None:
    assert event_from_image(image(data=None)).payload == StatusChanged()


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"kind": "ticket_teleported"}, "ticket_teleported"),
        ({"kind": None}, "kind"),
        ({"id": ""}, "id"),
        ({"ticket_number": None}, "ticket_number"),
        ({"ticket_number": "many"}, "many"),
        ({"created_at": "yesterday"}, "yesterday"),
        ({"data": "{not json"}, "Expecting"),
        ({"data": "[1, 2]"}, "list"),
    ],
)
def test_what_cannot_be_read_says_why(overrides: dict[str, Any], reason: str) -> None:
    with pytest.raises(UndecodableEventError, match=reason):
        event_from_image(image(**overrides))


def test_only_inserted_event_items_are_ticket_events() -> None:
    assert StreamChange("INSERT", KEYS, image()).is_new_event
    assert not StreamChange("MODIFY", KEYS, image()).is_new_event
    assert not StreamChange("REMOVE", KEYS, None).is_new_event
    assert not StreamChange("INSERT", KEYS, image(item_type="ticket")).is_new_event
    assert not StreamChange("INSERT", KEYS, {}).is_new_event


def test_a_change_names_its_item() -> None:
    assert StreamChange("INSERT", KEYS, None).item_key == "TICKET#42/EVT#2026-12-01T09:30:15.123456Z#e1"


def test_a_lambda_stream_record_reads_as_a_change() -> None:
    # Given a record as Lambda delivers it: DynamoDB's typed JSON
    record = DynamoDBRecord(
        {
            "eventName": "INSERT",
            "dynamodb": {
                "ApproximateCreationDateTime": 1764581415,
                "Keys": {"pk": {"S": KEYS["pk"]}, "sk": {"S": KEYS["sk"]}},
                "NewImage": {
                    **{name: {"S": value} for name, value in image().items() if isinstance(value, str)},
                    "ticket_number": {"N": "42"},
                },
                "SequenceNumber": "100",
            },
        }
    )

    change = StreamChange.from_record(record)

    assert change.is_new_event
    assert change.item_key == "TICKET#42/EVT#2026-12-01T09:30:15.123456Z#e1"
    assert change.recorded_at == datetime(2025, 12, 1, 9, 30, 15, tzinfo=UTC)
    assert change.new_image is not None
    assert event_from_image(change.new_image).payload == StatusChanged(old="new", new="open")
