"""Which subscriber handled which ticket event: one small marker item each, kept a week (TTL)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist, PutError

from ..clock import utc_now
from . import keys
from .models import ProcessedEventItem

# Far longer than anything can redeliver an event: the stream keeps records 24 hours.
KEEP_MARKERS = timedelta(days=7)


class ProcessedEventsTable:
    """`sportello.bus.ProcessedEvents` on the table: a key read and a conditional put, never a Scan."""

    def __init__(self, now: Callable[[], datetime] = utc_now) -> None:
        self._now = now

    def seen(self, subscriber: str, event_id: str) -> bool:
        try:
            ProcessedEventItem.get(
                keys.processed_event_pk(subscriber, event_id), keys.PROCESSED_EVENT_SK, consistent_read=True
            )
        except DoesNotExist:
            return False
        return True

    def mark(self, subscriber: str, event_id: str) -> None:
        marker = ProcessedEventItem(
            keys.processed_event_pk(subscriber, event_id),
            keys.PROCESSED_EVENT_SK,
            subscriber=subscriber,
            event_id=event_id,
            expires_at=int((self._now() + KEEP_MARKERS).timestamp()),
        )
        try:
            marker.save(condition=ProcessedEventItem.pk.does_not_exist())
        except PutError as error:
            # Marked already (a concurrent delivery): the event was handled, which is all that counts.
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
