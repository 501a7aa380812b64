"""The table's stream (filtered to new event items): each ticket event goes to its subscribers."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from sportello.app import sportello
from sportello.observability import TICKET_KEY, correlated, lambda_entry
from sportello.tickets.stream import StreamChange

logger = Logger()
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def consume_record(record: DynamoDBRecord) -> None:
    change = StreamChange.from_record(record)
    # The id the event was stored with: subscribers log with it, and the events they write keep it.
    with correlated(logger, change.correlation_id, **{TICKET_KEY: change.ticket_number}):
        event = sportello().ticket_events.consume(change)
        if event is not None:
            logger.info("ticket #%s: %s %s handled", event.ticket_number, event.kind, event.id)


@lambda_entry(logger)
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    # A failed record is reported alone; Lambda retries from it (bisecting), then parks the batch's
    # stream coordinates in the dead-letter queue for `make replay QUEUE=ticket-events`.
    return process_partial_response(
        event=event, record_handler=consume_record, processor=processor, context=context
    )
