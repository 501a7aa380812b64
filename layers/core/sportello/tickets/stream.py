"""Ticket events as the table's stream delivers them: a change record in, a typed `Event` out.

The ticket service stores every event as an item of its own (`item_type` "event"), beside the change
that caused it; the table's stream carries each new item to the subscribers. Records arrive as
Powertools' `DynamoDBRecord`, which turns DynamoDB's typed JSON into plain Python (without boto3).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord, StreamRecord

from .. import correlation
from ..clock import from_iso
from .events import Event, payload_from

# The discriminator value of event items (`sportello.store.models.EventItem`).
EVENT_ITEM_TYPE = "event"
INSERT = "INSERT"


class UndecodableEventError(ValueError):
    """An event item this code cannot read: an unknown kind, a missing or malformed attribute."""


@dataclass(frozen=True)
class StreamChange:
    """One stream record: what happened (INSERT, MODIFY, REMOVE) to which item, and the item after it."""

    event_name: str
    keys: Mapping[str, Any]
    new_image: Mapping[str, Any] | None
    recorded_at: datetime | None = None  # when the stream got it: the same on every redelivery

    @classmethod
    def from_record(cls, record: DynamoDBRecord) -> StreamChange:
        stream = record.dynamodb or StreamRecord({})
        epoch = stream.approximate_creation_date_time
        recorded_at = datetime.fromtimestamp(epoch, UTC) if epoch is not None else None
        return cls(str(record.get("eventName", "")), stream.keys, stream.new_image, recorded_at)

    @property
    def is_new_event(self) -> bool:
        """Only new event items are ticket events; every other change to the table is not ours."""
        return (
            self.event_name == INSERT
            and self.new_image is not None
            and self.new_image.get("item_type") == EVENT_ITEM_TYPE
        )

    @property
    def correlation_id(self) -> str | None:
        """The correlation id stored with a new event item, read before decoding it (for the logs)."""
        return correlation.clean((self.new_image or {}).get(correlation.ATTRIBUTE))

    @property
    def ticket_number(self) -> int | None:
        """The ticket a new event item belongs to, read before decoding it (for the logs)."""
        number = (self.new_image or {}).get("ticket_number")
        try:
            return int(number) if number is not None else None
        except (TypeError, ValueError):
            return None

    @property
    def item_key(self) -> str:
        """Where the item lives in the table, for people reading a quarantine record."""
        return "/".join(str(self.keys.get(name, "?")) for name in ("pk", "sk"))


def event_from_image(image: Mapping[str, Any]) -> Event:
    """The typed event stored as `image`; UndecodableEventError says what is wrong with it."""
    try:
        data = image.get("data") or {}
        if isinstance(data, str):  # stored as JSON text (PynamoDB's JSONAttribute)
            data = json.loads(data)
        if not isinstance(data, dict):
            raise UndecodableEventError(f"its data is a {type(data).__name__}, not a map")
        return Event(
            id=_text(image, "id"),
            ticket_number=int(image["ticket_number"]),
            actor=_text(image, "actor"),
            created_at=_moment(image),
            payload=payload_from(_text(image, "kind"), data),
            # Optional (events stored before it was kept have none); a malformed one is no reason to
            # hold the event back.
            correlation_id=correlation.clean(image.get(correlation.ATTRIBUTE)),
        )
    except UndecodableEventError:
        raise
    except KeyError as error:
        raise UndecodableEventError(f"it has no {error}") from error
    except (TypeError, ValueError) as error:  # an unknown kind is a ValueError of EventKind
        raise UndecodableEventError(str(error)) from error


def _text(image: Mapping[str, Any], name: str) -> str:
    value = image[name]
    if not isinstance(value, str) or not value:
        raise UndecodableEventError(f"its {name} is not a non-empty string")
    return value


def _moment(image: Mapping[str, Any]) -> datetime:
    return from_iso(_text(image, "created_at"))
