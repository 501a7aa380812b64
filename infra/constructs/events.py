"""Ticket events out: the table's stream, filtered to new event items, feeds `ticket_events`.

    TicketService ──(same transaction)──► event item ──► table stream ──filter: INSERT of an event item──►
    λ ticket_events: each subscriber once per event ──(retries, bisected)──► sportello-ticket-events-dlq
    (the batch's stream coordinates; `make replay QUEUE=ticket-events` re-reads the records)

A Lambda event source mapping rather than an EventBridge Pipe: one service less, partial batch responses
and bisection on error are native to it, and its filter keeps the function from being invoked for the
table's other writes (tickets, messages, the consumer's own markers and updates: no loop).
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from constructs import Construct

from infra.constants import (
    TICKET_EVENTS_BATCH_SIZE,
    TICKET_EVENTS_DLQ,
    TICKET_EVENTS_FILTER,
    TICKET_EVENTS_FUNCTION,
    TICKET_EVENTS_RETRY_ATTEMPTS,
)
from infra.constructs.data import Data
from infra.constructs.functions import SportelloFunction
from infra.constructs.layers import Layers
from infra.constructs.monitoring import Monitoring
from infra.constructs.nag import justify
from infra.constructs.queues import dead_letter_queue

TIMEOUT = Duration.seconds(60)
# A record older than this is given up (to the dead-letter queue) while the stream, which keeps records
# 24 hours, still holds it: that leaves the operator most of a day to fix the cause and replay it.
MAX_RECORD_AGE = Duration.hours(1)


class TicketEvents(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, data: Data, layers: Layers, monitoring: Monitoring
    ) -> None:
        super().__init__(scope, construct_id)
        # A fixed name: `make replay QUEUE=ticket-events` finds it by name.
        self.dead_letters = dead_letter_queue(self, "DeadLetters", queue_name=TICKET_EVENTS_DLQ)
        self.handler = SportelloFunction(
            self,
            "Function",
            name=TICKET_EVENTS_FUNCTION,
            description="hands each new ticket event to its subscribers",
            layers=layers,
            environment=data.table_environment,
            timeout=TIMEOUT,
        )
        # Subscribers' writes and the processed-event markers; the mapping grants the stream reads.
        data.grant_table_read_write(self.handler.role)
        self.handler.function.add_event_source(
            event_sources.DynamoEventSource(
                data.table,
                starting_position=lambda_.StartingPosition.TRIM_HORIZON,
                batch_size=TICKET_EVENTS_BATCH_SIZE,
                filters=[lambda_.FilterCriteria.filter(TICKET_EVENTS_FILTER)],
                report_batch_item_failures=True,
                bisect_batch_on_error=True,
                retry_attempts=TICKET_EVENTS_RETRY_ATTEMPTS,
                max_record_age=MAX_RECORD_AGE,
                on_failure=event_sources.SqsDlq(self.dead_letters),
            )
        )
        justify(
            self.handler.role,
            "IAM5",
            "dynamodb:ListStreams has no resource-level permissions (the event source mapping's grant); "
            "reading the stream itself is granted on this table's stream ARN only",
            findings=["Resource::*"],
        )
        monitoring.alarm_on_dead_letters("TicketEventsDeadLetters", self.dead_letters, "a ticket event")
