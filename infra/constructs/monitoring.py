"""Alarms that need a human, sent to one SNS topic (subscribe the `alarmEmail` context value to it).

The concern that owns a queue or a function registers its alarms here (`alarm_on_dead_letters`,
`alarm_on_errors`); the alarms are created under this construct, so their ids stay where they were.
The desk's own metrics (`sportello/metrics.py`, written as embedded metric format by the functions)
raise two more: any ingest failure, any reply that did not leave. The dashboard (`dashboard.py`) shows
the dead-letter queues registered here.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from sportello import metrics

PERIOD = Duration.minutes(5)


def desk_metric(name: str, **dimensions: str) -> cloudwatch.Metric:
    """One of the desk's own metrics (`sportello/metrics.py`), summed over the alarms' period."""
    return cloudwatch.Metric(
        namespace=metrics.NAMESPACE,
        metric_name=name,
        dimensions_map=dimensions or None,
        statistic="Sum",
        period=PERIOD,
    )


class Monitoring(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, alarm_email: str | None) -> None:
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(self, "Alarms", display_name="Sportello alarms", enforce_ssl=True)
        if alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
        self._action = cloudwatch_actions.SnsAction(self.topic)
        # (what, queue) of each dead-letter queue with an alarm, for the dashboard
        self.dead_letter_queues: list[tuple[str, sqs.IQueue]] = []
        self._alarm(
            "IngestFailures",
            desk_metric(metrics.INGEST_FAILURES),
            threshold=1,
            description="Processing inbound mail or a webhook delivery raised in the last 5 minutes: the "
            "mail is quarantined, the delivery retried (logs: the failure's correlation_id)",
        )
        self._alarm(
            "OutboundFailures",
            desk_metric(metrics.OUTBOUND_FAILURES),
            threshold=1,
            description="A reply did not leave in the last 5 minutes (the provider or SES refused it); "
            "the ticket shows it failed",
        )

    def alarm_on_dead_letters(self, construct_id: str, queue: sqs.IQueue, what: str) -> None:
        """Any message in a dead-letter queue is work that did not happen; `replay` it once fixed."""
        self.dead_letter_queues.append((what, queue))
        self._alarm(
            construct_id,
            queue.metric_approximate_number_of_messages_visible(period=PERIOD, statistic="Maximum"),
            threshold=1,
            description=f"{what} failed after all retries and waits in {queue.queue_name}",
        )

    def alarm_on_errors(self, construct_id: str, function: lambda_.IFunction, threshold: int) -> None:
        self._alarm(
            construct_id,
            function.metric_errors(period=PERIOD, statistic="Sum"),
            threshold=threshold,
            description=f"{function.function_name} raised {threshold}+ errors in 5 minutes",
        )

    def alarm_on_metric(
        self, construct_id: str, metric: cloudwatch.IMetric, *, threshold: int, description: str
    ) -> None:
        self._alarm(construct_id, metric, threshold=threshold, description=description)

    def _alarm(self, construct_id: str, metric: cloudwatch.IMetric, threshold: int, description: str) -> None:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            metric=metric,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        alarm.add_alarm_action(self._action)
