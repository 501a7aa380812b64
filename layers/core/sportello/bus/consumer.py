"""The table stream's consumer: decodes each change, sets aside what it cannot read, dispatches the rest."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import datetime

from ..clock import utc_now
from ..quarantine import Quarantine, QuarantineRecord
from ..tickets.events import Event
from ..tickets.stream import StreamChange, UndecodableEventError, event_from_image
from .dispatcher import Dispatcher

logger = logging.getLogger(__name__)

# The quarantine list's "channel" of events the consumer could not read.
QUARANTINE_CHANNEL = "ticket-events"


class TicketEventConsumer:
    def __init__(
        self, dispatcher: Dispatcher, quarantine: Quarantine, now: Callable[[], datetime] = utc_now
    ) -> None:
        self._dispatcher = dispatcher
        self._quarantine = quarantine
        self._now = now

    def consume(self, change: StreamChange) -> Event | None:
        """The event the change carried, once every subscriber handled it; None if there was none.

        An event item that cannot be read is quarantined and acknowledged: retrying it would fail the
        same way and hold back the whole shard behind it. DispatchFailedError means: deliver it again.
        """
        if not change.is_new_event or change.new_image is None:
            return None
        try:
            event = event_from_image(change.new_image)
        except UndecodableEventError as error:
            self._set_aside(change, str(error))
            return None
        self._dispatcher.dispatch(event)
        return event

    def _set_aside(self, change: StreamChange, reason: str) -> None:
        logger.warning("quarantined the ticket event %s: %s", change.item_key, reason)
        self._quarantine.add(
            QuarantineRecord(
                # Derived from the item, so a redelivered record lands on the same quarantine record.
                id=hashlib.sha256(change.item_key.encode()).hexdigest()[:32],
                received_at=change.recorded_at or self._now(),
                reason=f"unreadable ticket event: {reason}",
                raw_key=change.item_key,
                channel=QUARANTINE_CHANNEL,
            )
        )
