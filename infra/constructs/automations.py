"""Automations: an hourly EventBridge schedule runs the desk's time rules over the tickets that waited.

    EventBridge rule, rate(1 hour) ──(2 delivery retries, within the hour)──► λ automations (async,
    2 retries) ──► AutomationSweep: index queries, apply_decisions, replies and notes
    ──(delivery or all retries failed)──► dead-letter queue (alarm); errors alarm too

A failed sweep needs no replay: the next hour's sweep picks up whatever is still due, and the claims make
a retried or repeated sweep act on nothing twice. The dead-letter queue is there to be seen (its alarm).

The function works tickets as the agent API does: the table, long bodies in the bucket, replies by mail
through SES as the support address (signed reply+ addresses: the reply-token secret) and, on messaging
channels, through the outbound queue. `TicketDesk.function` and `Messaging.allow_replies_from` grant
exactly that; nothing else.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda_destinations as destinations
from constructs import Construct

from infra.constants import AUTOMATIONS_FUNCTION, AUTOMATIONS_RETRY_ATTEMPTS, AUTOMATIONS_SCHEDULE_HOURS
from infra.constructs.messaging import Messaging
from infra.constructs.monitoring import Monitoring
from infra.constructs.queues import dead_letter_queue
from infra.constructs.ticket_desk import TicketDesk

# At most 500 tickets per automation a sweep, each a few reads and one transaction: well within this.
TIMEOUT = Duration.minutes(5)
# A sweep not delivered within the hour is superseded by the next one.
MAX_EVENT_AGE = Duration.hours(AUTOMATIONS_SCHEDULE_HOURS)


class Automations(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        desk: TicketDesk,
        messaging: Messaging,
        monitoring: Monitoring,
    ) -> None:
        super().__init__(scope, construct_id)
        self.dead_letters = dead_letter_queue(self, "DeadLetters")
        self.handler = desk.function(
            self,
            "Function",
            name=AUTOMATIONS_FUNCTION,
            description="applies the desk's automations to the tickets that have waited",
            timeout=TIMEOUT,
            retry_attempts=AUTOMATIONS_RETRY_ATTEMPTS,
            on_failure=destinations.SqsDestination(self.dead_letters),
        )
        # Automatic replies on messaging channels are queued for `outbound`, as agents' replies are.
        messaging.allow_replies_from(self.handler)
        self.schedule = events.Rule(
            self,
            "Schedule",
            description="Sportello automations: every hour",
            schedule=events.Schedule.rate(Duration.hours(AUTOMATIONS_SCHEDULE_HOURS)),
            targets=[
                targets.LambdaFunction(
                    self.handler.function,
                    dead_letter_queue=self.dead_letters,
                    retry_attempts=AUTOMATIONS_RETRY_ATTEMPTS,
                    max_event_age=MAX_EVENT_AGE,
                )
            ],
        )
        # One alarm, on the sweep that failed after its retries: an error that a retry cured needs no one,
        # and every alarm beyond the free tier's ten costs $0.10 a month, idle or not (bench/cost.py).
        monitoring.alarm_on_dead_letters("AutomationsDeadLetters", self.dead_letters, "an automations sweep")
