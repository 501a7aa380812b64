"""Dead-letter queues: where work that failed all its retries waits for a fix and `make replay`."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constructs.nag import justify

RETENTION = Duration.days(14)  # the maximum: time to fix the cause and replay


def dead_letter_queue(scope: Construct, construct_id: str, *, queue_name: str | None = None) -> sqs.Queue:
    """Encrypted and TLS-only, kept as long as SQS allows; `queue_name` when scripts find it by name."""
    queue = sqs.Queue(
        scope,
        construct_id,
        queue_name=queue_name,
        retention_period=RETENTION,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
    )
    justify(
        queue, "SQS3", "This queue is itself a dead-letter queue: its messages wait here for `make replay`"
    )
    return queue
