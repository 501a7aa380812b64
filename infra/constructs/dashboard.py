"""One CloudWatch dashboard, `<stack>-<region>`: what the desk did and what went wrong, on one page.

    the desk        tickets created by channel | quarantined by channel | ingest, outbound failures, SLA
    functions       errors | duration (p95), one line per Sportello function | Lambda throttles (account)
    queues, data    dead-letter queue depth | DynamoDB consumed capacity | DynamoDB throttles | SES bounces

The desk's metrics are the functions' embedded metric format lines (`sportello/metrics.py`): the two
with a channel are drawn with a SEARCH, so a channel appears when it first has traffic and costs
nothing before. Functions are every `SportelloFunction` of the stack and queues every dead-letter queue
registered with `Monitoring`, so a new concern shows up without editing this file. Built last in the
stack, once they all exist. CloudWatch's always-free tier covers three dashboards of up to 50 metrics;
this one draws about 35 (bench/cost.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from infra.constructs.functions import SportelloFunction
from infra.constructs.monitoring import PERIOD, Monitoring, desk_metric
from sportello import metrics

WIDTH = 24  # a dashboard row's width, in grid units
HEIGHT = 6
SES_NAMESPACE = "AWS/SES"

FOLLOW_A_TICKET = (
    "**Follow one input through every function**: every log line and ticket event carries a "
    "`correlation_id` (a mail's SES message id, a webhook body's SHA-256, an API request's id). "
    "In Logs Insights, over the `/aws/lambda/…` groups of the stack: "
    '`fields @timestamp, function_name, ticket, message | filter correlation_id = "<id>" | sort @timestamp`'
)


def by_channel(name: str, label: str) -> cloudwatch.MathExpression:
    """Every channel's series of one of the desk's metrics, as they appear (no metric, no line)."""
    return cloudwatch.MathExpression(
        expression=(
            f"SEARCH('{{{metrics.NAMESPACE},{metrics.CHANNEL}}} MetricName=\"{name}\"', 'Sum', "
            f"{int(PERIOD.to_seconds())})"
        ),
        using_metrics={},
        label=label,
        period=PERIOD,
    )


def graph(
    title: str, metrics_: Sequence[cloudwatch.IMetric], width: int = WIDTH // 3
) -> cloudwatch.GraphWidget:
    return cloudwatch.GraphWidget(title=title, left=list(metrics_), width=width, height=HEIGHT)


class Dashboard(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, monitoring: Monitoring, table: dynamodb.ITable
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        # Dashboards are global to an account: the region keeps two deployments of the stack apart.
        self.dashboard = cloudwatch.Dashboard(
            self,
            "Dashboard",
            dashboard_name=f"{stack.stack_name}-{stack.region}",
            default_interval=Duration.days(1),
        )
        functions = [node for node in stack.node.find_all() if isinstance(node, SportelloFunction)]
        self.dashboard.add_widgets(cloudwatch.TextWidget(markdown=FOLLOW_A_TICKET, width=WIDTH, height=2))
        self.dashboard.add_widgets(
            graph("Tickets created, by channel", [by_channel(metrics.TICKETS_CREATED, "")]),
            graph("Quarantined, by channel", [by_channel(metrics.QUARANTINED, "")]),
            graph(
                "Failures",
                [
                    desk_metric(metrics.INGEST_FAILURES).with_(label="ingest failures"),
                    desk_metric(metrics.OUTBOUND_FAILURES).with_(label="outbound failures"),
                    desk_metric(metrics.SLA_BREACHES).with_(label="SLA breaches"),
                ],
            ),
        )
        self.dashboard.add_widgets(
            graph(
                "Function errors",
                [f.function.metric_errors(period=PERIOD, statistic="Sum", label=f.name) for f in functions],
            ),
            graph(
                "Function duration (p95)",
                [f.function.metric_duration(period=PERIOD, statistic="p95", label=f.name) for f in functions],
            ),
            graph(
                # One account-wide line, not one per function: throttling is rare at a desk's scale, and
                # the free tier's 50 metrics per dashboard are better spent on the functions' errors.
                "Lambda throttles (account)",
                [
                    cloudwatch.Metric(
                        namespace="AWS/Lambda",
                        metric_name="Throttles",
                        statistic="Sum",
                        period=PERIOD,
                        label="throttles",
                    )
                ],
            ),
        )
        self.dashboard.add_widgets(
            graph(
                "Dead-letter queue depth",
                [
                    queue.metric_approximate_number_of_messages_visible(
                        period=PERIOD, statistic="Maximum", label=what
                    )
                    for what, queue in monitoring.dead_letter_queues
                ],
                width=WIDTH // 4,
            ),
            graph(
                "DynamoDB consumed capacity",
                [
                    table.metric_consumed_read_capacity_units(period=PERIOD, statistic="Sum", label="read"),
                    table.metric_consumed_write_capacity_units(period=PERIOD, statistic="Sum", label="write"),
                ],
                width=WIDTH // 4,
            ),
            graph(
                "DynamoDB throttles",
                [
                    table.metric("ReadThrottleEvents", period=PERIOD, statistic="Sum", label="read"),
                    table.metric("WriteThrottleEvents", period=PERIOD, statistic="Sum", label="write"),
                ],
                width=WIDTH // 4,
            ),
            graph(
                "SES (account): sent, bounced, complaints",
                [
                    cloudwatch.Metric(
                        namespace=SES_NAMESPACE, metric_name=name, statistic="Sum", period=PERIOD, label=label
                    )
                    for name, label in (("Send", "sent"), ("Bounce", "bounced"), ("Complaint", "complaints"))
                ],
                width=WIDTH // 4,
            ),
        )
