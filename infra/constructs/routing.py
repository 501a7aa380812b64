"""Routing: the ticket-events subscriber starts one workflow execution per new ticket and customer reply.

    λ ticket_events ──StartExecution (name from the event id)──► Step Functions (Express):
    Classify → Apply triggers → Assign → Notify, each a call of λ routing (retried with backoff);
    any step that keeps failing → Leave in group (λ routing "fail") → Fail

Express, not Standard: a routed ticket costs ~5 state transitions, which Standard bills at $0.025 per
thousand (10,000 executions a month: ~$1.15 after the free tier, a third of the whole desk's bill)
while Express bills requests and duration (~$0.01 for the same month). What Standard adds is not needed
here: exactly-once execution and 90 days of history. Every step is idempotent (its writes are claimed
per event and step in the ticket's own transaction), the dispatcher starts each event once, and the
audit trail lives on the ticket. The executions' logs go to CloudWatch Logs (errors, kept a month).
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.constants import (
    ROUTING_DEFINITION,
    ROUTING_FUNCTION,
    ROUTING_FUNCTION_ARN_SUBSTITUTION,
)
from infra.constructs.functions import LOG_RETENTION, SportelloFunction
from infra.constructs.messaging import Messaging
from infra.constructs.monitoring import Monitoring
from infra.constructs.nag import arn_finding, justify
from infra.constructs.ticket_desk import TicketDesk
from sportello.names import ENV_NOTIFICATION_TOPIC_ARN, ENV_ROUTING_STATE_MACHINE_ARN

STEP_TIMEOUT = Duration.seconds(30)
EXECUTION_TIMEOUT = Duration.minutes(5)  # Express executions may run 5 minutes at most


class Routing(Construct):
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
        self.notifications = sns.Topic(
            self, "Notifications", display_name=f"{desk.settings.desk_name} notifications", enforce_ssl=True
        )
        if desk.settings.notify_email:
            self.notifications.add_subscription(subscriptions.EmailSubscription(desk.settings.notify_email))
        # Triggers reply by mail (acknowledgements, templates) and by messaging (queued for `outbound`).
        self.handler = desk.function(
            self,
            "Handler",
            name=ROUTING_FUNCTION,
            description="one step of the routing workflow",
            timeout=STEP_TIMEOUT,
        )
        messaging.allow_replies_from(self.handler)
        self.allow_notifying(self.handler)

        self.log_group = logs.LogGroup(
            self, "Logs", retention=LOG_RETENTION, removal_policy=RemovalPolicy.DESTROY
        )
        self.state_machine = sfn.StateMachine(
            self,
            "Workflow",
            # The same file the local cloud gives moto: one definition, two clouds.
            definition_body=sfn.DefinitionBody.from_string(ROUTING_DEFINITION.read_text()),
            definition_substitutions={ROUTING_FUNCTION_ARN_SUBSTITUTION: self.handler.function.function_arn},
            state_machine_type=sfn.StateMachineType.EXPRESS,
            timeout=EXECUTION_TIMEOUT,
            logs=sfn.LogOptions(
                destination=self.log_group, level=sfn.LogLevel.ERROR, include_execution_data=False
            ),
            tracing_enabled=desk.settings.tracing,
        )
        self.handler.function.grant_invoke(self.state_machine)
        justify(
            self.state_machine.role,
            "IAM5",
            "CloudWatch Logs delivery for Step Functions takes no resource ARN (logs:CreateLogDelivery and "
            "friends need *); invoking the routing function's versions is <arn>:*, that function only",
            findings=["Resource::*", arn_finding(self.handler.function, ":*")],
        )
        # A failing step is retried by the workflow; what needs a human is an execution that gave up
        # (one alarm: each beyond the free tier's ten costs $0.10 a month, idle or not).
        monitoring.alarm_on_metric(
            "RoutingExecutionsFailed",
            self.state_machine.metric_failed(period=Duration.minutes(5), statistic="Sum"),
            threshold=1,
            description="a routing workflow gave up: the ticket waits in its group, unassigned",
        )
        justify(
            self.state_machine,
            "SF1",
            "Express executions log errors only (ALL would log every ticket's data); the audit trail of "
            "each decision is on the ticket itself",
        )
        if not desk.settings.tracing:
            justify(
                self.state_machine, "SF2", "X-Ray tracing is off by default (-c tracing=true turns it on)"
            )

    def allow_notifying(self, function: SportelloFunction) -> None:
        """For functions that run rules: a rule's "notify" action publishes to the desk's topic."""
        self.notifications.grant_publish(function.role)
        function.add_environment({ENV_NOTIFICATION_TOPIC_ARN: self.notifications.topic_arn})

    def allow_starting(self, function: SportelloFunction) -> None:
        """For the ticket-events function: it starts one execution per routed event."""
        self.state_machine.grant_start_execution(function.role)
        function.add_environment({ENV_ROUTING_STATE_MACHINE_ARN: self.state_machine.state_machine_arn})
