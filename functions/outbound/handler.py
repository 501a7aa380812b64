"""Outbound queue consumer: sends agents' replies through each provider's API."""

from __future__ import annotations

import json
import os
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from sportello.app import sportello
from sportello.names import ENV_OUTBOUND_MAX_RECEIVES
from sportello.observability import TICKET_KEY, correlated, lambda_entry, queued_correlation_id

logger = Logger()
processor = BatchProcessor(event_type=EventType.SQS)
# Must match the queue's redrive policy: on the last receive a failure is final, not retried.
MAX_RECEIVES = int(os.environ.get(ENV_OUTBOUND_MAX_RECEIVES, "5"))


def send_record(record: SQSRecord) -> None:
    final_attempt = int(record.attributes.approximate_receive_count) >= MAX_RECEIVES
    job = json.loads(record.body)
    # The id of the agent's request that queued the reply: its events and this send log together.
    with correlated(logger, queued_correlation_id(record), **{TICKET_KEY: job.get("ticket")}):
        outcome = sportello().delivery.deliver(job, final_attempt)
        logger.info("reply %s", outcome)


@lambda_entry(logger)
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=send_record, processor=processor, context=context
    )
