"""The table's stream as the ticket_events mapping sees it, under moto: read it, deliver it, count it."""

from __future__ import annotations

from typing import Any

from ticket_events.handler import handler as ticket_events_handler

from infra.constants import TICKET_EVENTS_FILTER
from infra.local.events import LambdaContext
from infra.local.streams import StreamReader, matches, stream_event, table_stream_arn
from sportello.config import settings


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
    result: dict[str, Any] = ticket_events_handler(
        stream_event(wanted, reader().stream_arn), LambdaContext("ticket_events")
    )
    return result
