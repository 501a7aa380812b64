"""The desk's dashboard and the alarms on its own metrics, in the synthesized template."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Template

from infra.constants import (
    AGENT_API_FUNCTION,
    AUTOMATIONS_FUNCTION,
    DLQ_SUFFIX,
    EMAIL_INBOUND_FUNCTION,
    INBOUND_QUEUE,
    OUTBOUND_FUNCTION,
    OUTBOUND_QUEUE,
    PUBLIC_API_FUNCTION,
    ROUTING_FUNCTION,
    SLA_SWEEP_FUNCTION,
    STACK_NAME,
    TICKET_EVENTS_DLQ,
    TICKET_EVENTS_FUNCTION,
    WEBHOOK_PROCESSOR_FUNCTION,
    WEBHOOKS_FUNCTION,
)
from sportello import metrics
from tests.infra.template import alarm_topic, function, logical_id, on_failure_queue, only, queue, render

FUNCTIONS = (
    EMAIL_INBOUND_FUNCTION,
    WEBHOOKS_FUNCTION,
    WEBHOOK_PROCESSOR_FUNCTION,
    OUTBOUND_FUNCTION,
    AGENT_API_FUNCTION,
    PUBLIC_API_FUNCTION,
    TICKET_EVENTS_FUNCTION,
    ROUTING_FUNCTION,
    AUTOMATIONS_FUNCTION,
    SLA_SWEEP_FUNCTION,
)


@pytest.fixture(scope="module")
def dashboard(template: Template) -> dict[str, Any]:
    properties: dict[str, Any] = only(template.find_resources("AWS::CloudWatch::Dashboard"))[1]["Properties"]
    return properties


@pytest.fixture(scope="module")
def widgets(dashboard: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The metric widgets by title; references read as ${LogicalId} or ${LogicalId.Attribute}."""
    body = json.loads(render(dashboard["DashboardBody"]))
    return {w["properties"]["title"]: w["properties"] for w in body["widgets"] if w["type"] == "metric"}


def lines(widget: dict[str, Any]) -> list[Any]:
    drawn: list[Any] = widget["metrics"]
    return drawn


def test_the_dashboard_is_named_after_the_stack_and_its_region(dashboard: dict[str, Any]) -> None:
    assert render(dashboard["DashboardName"]) == f"{STACK_NAME}-${{AWS::Region}}"


def test_the_dashboard_has_its_widgets(widgets: dict[str, dict[str, Any]]) -> None:
    assert set(widgets) == {
        "Tickets created, by channel",
        "Quarantined, by channel",
        "Failures",
        "Function errors",
        "Function duration (p95)",
        "Lambda throttles (account)",
        "Dead-letter queue depth",
        "DynamoDB consumed capacity",
        "DynamoDB throttles",
        "SES (account): sent, bounced, complaints",
    }


@pytest.mark.parametrize(
    ("title", "name"),
    [("Tickets created, by channel", "TicketsCreated"), ("Quarantined, by channel", "Quarantined")],
)
def test_the_desks_metrics_by_channel_are_searched_so_each_channel_appears_with_its_traffic(
    widgets: dict[str, dict[str, Any]], title: str, name: str
) -> None:
    ((line,),) = lines(widgets[title])
    assert line["expression"] == f"SEARCH('{{Sportello,channel}} MetricName=\"{name}\"', 'Sum', 300)"


def test_the_failures_are_the_desks_metrics_without_dimensions(widgets: dict[str, dict[str, Any]]) -> None:
    assert [[*line[:2], line[2]["stat"]] for line in lines(widgets["Failures"])] == [
        ["Sportello", metrics.INGEST_FAILURES, "Sum"],
        ["Sportello", metrics.OUTBOUND_FAILURES, "Sum"],
        ["Sportello", metrics.SLA_BREACHES, "Sum"],
    ]


@pytest.mark.parametrize(
    ("title", "metric", "stat"),
    [
        ("Function errors", "Errors", "Sum"),
        ("Function duration (p95)", "Duration", "p95"),
    ],
)
def test_every_function_has_a_line_in_each_function_widget(
    template: Template, widgets: dict[str, dict[str, Any]], title: str, metric: str, stat: str
) -> None:
    drawn = {
        line[4]["label"]: (line[0], line[1], line[2], line[3], line[4]["stat"])
        for line in lines(widgets[title])
    }
    assert drawn == {
        name: ("AWS/Lambda", metric, "FunctionName", f"${{{function(template, name)[0]}}}", stat)
        for name in FUNCTIONS
    }


def test_every_dead_letter_queue_depth_is_drawn(
    template: Template, widgets: dict[str, dict[str, Any]]
) -> None:
    drawn = {(line[1], line[3], line[4]["stat"]) for line in lines(widgets["Dead-letter queue depth"])}
    email_dlq = only(
        {
            k: v
            for k, v in template.find_resources("AWS::SQS::Queue").items()
            if k.startswith("EmailInboundDeadLetters")
        }
    )[0]
    queues = [
        queue(template, f"{INBOUND_QUEUE}{DLQ_SUFFIX}")[0],
        queue(template, f"{OUTBOUND_QUEUE}{DLQ_SUFFIX}")[0],
        queue(template, TICKET_EVENTS_DLQ)[0],
        email_dlq,
        on_failure_queue(template, AUTOMATIONS_FUNCTION),  # the sweeps' (the SLA's too)
    ]
    assert drawn == {
        ("ApproximateNumberOfMessagesVisible", f"${{{queue_id}.QueueName}}", "Maximum") for queue_id in queues
    }


def test_the_tables_capacity_and_throttles_are_drawn(
    template: Template, widgets: dict[str, dict[str, Any]]
) -> None:
    table = f"${{{logical_id(template, 'AWS::DynamoDB::Table')}}}"
    capacity = {(line[1], line[3]) for line in lines(widgets["DynamoDB consumed capacity"])}
    throttles = {(line[1], line[3]) for line in lines(widgets["DynamoDB throttles"])}
    assert capacity == {("ConsumedReadCapacityUnits", table), ("ConsumedWriteCapacityUnits", table)}
    assert throttles == {("ReadThrottleEvents", table), ("WriteThrottleEvents", table)}


def test_ses_bounces_are_drawn(widgets: dict[str, dict[str, Any]]) -> None:
    drawn = [line[:2] for line in lines(widgets["SES (account): sent, bounced, complaints"])]
    assert drawn == [["AWS/SES", "Send"], ["AWS/SES", "Bounce"], ["AWS/SES", "Complaint"]]


def test_the_dashboard_leaves_room_for_the_channels_within_the_free_tiers_fifty_metrics(
    widgets: dict[str, dict[str, Any]],
) -> None:
    # CloudWatch's always-free tier: three dashboards of up to 50 metrics. The two SEARCH lines draw one
    # series per channel with traffic; ten are left for them (a desk on every channel pays $3 a month).
    explicit = sum(len(widget["metrics"]) for widget in widgets.values()) - 2
    assert explicit == 3 + 2 * len(FUNCTIONS) + 1 + 5 + 2 + 2 + 3
    assert explicit <= 40


@pytest.mark.parametrize("name", [metrics.INGEST_FAILURES, metrics.OUTBOUND_FAILURES])
def test_ingest_and_outbound_failures_alarm_the_topic_at_the_first_one(template: Template, name: str) -> None:
    (_, alarm) = only(template.find_resources("AWS::CloudWatch::Alarm", {"Properties": {"MetricName": name}}))
    properties = alarm["Properties"]
    assert {
        key: properties.get(key)
        for key in (
            "Namespace",
            "Statistic",
            "Period",
            "EvaluationPeriods",
            "Threshold",
            "ComparisonOperator",
            "TreatMissingData",
            "Dimensions",
        )
    } == {
        "Namespace": "Sportello",
        "Statistic": "Sum",
        "Period": 300,
        "EvaluationPeriods": 1,
        "Threshold": 1,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "TreatMissingData": "notBreaching",
        "Dimensions": None,
    }
    assert properties["AlarmActions"] == [{"Ref": alarm_topic(template)}]
