"""The table's stream as the ticket_events mapping sees it, under moto: read it, deliver it, count it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from ticket_events.handler import handler as ticket_events_handler

from infra.constants import TICKET_EVENTS_FILTER
from infra.local.events import LambdaContext
from infra.local.streams import StreamReader, matches, stream_event, table_stream_arn
from sportello.config import settings

# Each Lambda function runs in a process of its own; here they share one, and moto runs the routing
# workflow's steps on a thread of its own. Handlers keep per-invocation state in the process (the
# logger's correlation id), so, as the local cloud does, one handler runs at a time.
ONE_FUNCTION_AT_A_TIME = threading.RLock()


def serialized(handler: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def run(event: Any, context: Any) -> Any:
        with ONE_FUNCTION_AT_A_TIME:
            return handler(event, context)

    return run


def reader() -> StreamReader:
    return StreamReader(table_stream_arn(settings().table_name))


def every_record() -> list[dict[str, Any]]:
    """Everything the stream holds, from its beginning (TRIM_HORIZON)."""
    stream = reader()
    records: list[dict[str, Any]] = []
    for shard in stream.shard_ids():
        iterator: str | None = stream.iterator(shard, "TRIM_HORIZON")
        while iterator:
            page, iterator = stream.read(iterator, 1000)
            if not page:
                break
            records += page
    return records


def deliver(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Invokes the real handler with the records the mapping's filter lets through, in one batch."""
    wanted = [record for record in records if matches(TICKET_EVENTS_FILTER, record)]
    with ONE_FUNCTION_AT_A_TIME:
        result: dict[str, Any] = ticket_events_handler(
            stream_event(wanted, reader().stream_arn), LambdaContext("ticket_events")
        )
    return result
