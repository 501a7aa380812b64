"""Inbound queue consumer: turns each stored webhook delivery into tickets, messages and events."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from sportello.app import sportello
from sportello.observability import correlated, lambda_entry, queued_correlation_id

logger = Logger()
processor = BatchProcessor(event_type=EventType.SQS)


def process_record(record: SQSRecord) -> None:
    job = json.loads(record.body)
    # Sent by the webhooks function; a message queued without it is known by its kept body's digest.
    correlation_id = queued_correlation_id(record) or str(job.get("key", "")).rsplit("/", 1)[-1]
    with correlated(logger, correlation_id):
        report = sportello().messaging.process(job)
        logger.info("processed a %s delivery: %s", report.provider, ", ".join(report.outcomes))


@lambda_entry(logger)
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    # Only the failed records go back to the queue (retried, then dead-lettered).
    return process_partial_response(
        event=event, record_handler=process_record, processor=processor, context=context
    )
