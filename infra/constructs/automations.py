"""Automations: an hourly EventBridge schedule runs the desk's time rules over the tickets that waited.

    EventBridge rule, rate(1 hour) ──(2 delivery retries, within the hour)──► λ automations (async,
    2 retries) ──► AutomationSweep: index queries, apply_decisions, replies and notes
    ──(delivery or all retries failed)──► dead-letter queue (alarm); errors alarm too

The SLA sweep (every minute) is built the same way (`ScheduledSweep`).

The function works tickets as the agent API does: the table, long bodies in the bucket, replies by mail
through SES as the support address (signed reply+ addresses: the reply-token secret) and, on messaging
channels, through the outbound queue. `TicketDesk.function` and `Messaging.allow_replies_from` grant
exactly that; nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constants import (
    AUTOMATIONS_FUNCTION,
    AUTOMATIONS_RETRY_ATTEMPTS,
    AUTOMATIONS_SCHEDULE_HOURS,
    SLA_SWEEP_FUNCTION,
    SLA_SWEEP_MINUTES,
)
from infra.constructs.messaging import Messaging
from infra.constructs.monitoring import Monitoring
from infra.constructs.queues import dead_letter_queue
from infra.constructs.ticket_desk import TicketDesk

# At most 500 tickets per automation a sweep, each a few reads and one transaction: well within this.
TIMEOUT = Duration.minutes(5)
# The SLA sweep reads what is due (at most 250 per shard): a minute is ample, and a run must end before the
# next starts, or alerts pending in a live run would look abandoned (sla.model.PENDING_ALERT_EXPIRY).
SLA_TIMEOUT = Duration.minutes(1)


@dataclass(frozen=True)
class Sweep:
    """What tells one scheduled sweep from another."""

    name: str
    description: str
    every: Duration
    timeout: Duration


AUTOMATIONS = Sweep(
    AUTOMATIONS_FUNCTION,
    "applies the desk's automations to the tickets that have waited",
    Duration.hours(AUTOMATIONS_SCHEDULE_HOURS),
    TIMEOUT,
)
# Every minute: SLA warnings and breaches whose time has come go to the notification topic, once, and
# breaches escalate (the policy's actions: priority, group, assignee, tags, note, notify).
#
# Why a per-minute sweep over a sparse index rather than one EventBridge Scheduler schedule per ticket
# and threshold: due times move with every pause, resume, priority change and reply, so per-ticket
# schedules would be created, updated and deleted on most ticket events (API calls, IAM, a schedule group
# to clean up), and a lost update would alert wrongly. The index holds exactly what is due; a minute's
# delay is within what an SLA alert needs, and an idle desk's sweep is one query per shard.
SLA_SWEEP = Sweep(
    SLA_SWEEP_FUNCTION,
    "sends SLA warnings and breaches that are due, and escalates",
    Duration.minutes(SLA_SWEEP_MINUTES),
    SLA_TIMEOUT,
)
# EventBridge's least maximum event age.
MIN_EVENT_AGE = Duration.minutes(1)


def _longest(a: Duration, b: Duration) -> Duration:
    return a if a.to_seconds() >= b.to_seconds() else b


def sweep_dead_letters(scope: Construct, monitoring: Monitoring) -> sqs.Queue:
    """One dead-letter queue, and one alarm, for every scheduled sweep.

    A failed sweep needs no replay: the next run picks up whatever is still due, and the claims make a
    retried or repeated sweep do nothing twice. The queue is there to be seen (its alarm), and its
    messages name the function that failed. One alarm, on a sweep that failed after its retries: an error
    that a retry cured needs no one, and every alarm beyond the free tier's ten costs $0.10 a month, idle
    or not (bench/cost.py), so the sweeps share theirs.
    """
    queue = dead_letter_queue(scope, "SweepDeadLetters")
    monitoring.alarm_on_dead_letters("SweepDeadLettersAlarm", queue, "a scheduled sweep (automations, SLA)")
    return queue


class ScheduledSweep(Construct):
    """A function the schedule runs, with retries, then the sweeps' dead-letter queue.

    Both sweeps act on tickets as rules do, so automatic replies on messaging channels are queued for
    `outbound`, as agents' replies are.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        sweep: Sweep,
        *,
        dead_letters: sqs.IQueue,
        desk: TicketDesk,
        messaging: Messaging,
    ) -> None:
        super().__init__(scope, construct_id)
        self.dead_letters = dead_letters
        self.handler = desk.function(
            self,
            "Function",
            name=sweep.name,
            description=sweep.description,
            timeout=sweep.timeout,
            retry_attempts=AUTOMATIONS_RETRY_ATTEMPTS,
            on_failure=destinations.SqsDestination(self.dead_letters),
        )
        messaging.allow_replies_from(self.handler)
        self.schedule = events.Rule(
            self,
            "Schedule",
            description=f"Sportello {sweep.name}: {sweep.description}",
            schedule=events.Schedule.rate(sweep.every),
            targets=[
                targets.LambdaFunction(
                    self.handler.function,
                    dead_letter_queue=self.dead_letters,
                    retry_attempts=AUTOMATIONS_RETRY_ATTEMPTS,
                    # A run not delivered before the next one is superseded by it.
                    max_event_age=_longest(sweep.every, MIN_EVENT_AGE),
                )
            ],
        )
