"""Alarms on dead letters and function errors, and the stack's outputs for the operator."""

from __future__ import annotations

import json

from aws_cdk.assertions import Template

from infra.constants import (
    DLQ_SUFFIX,
    INBOUND_QUEUE,
    OUTBOUND_QUEUE,
    OUTPUT_ACTIVATE_RULE_SET,
    OUTPUT_API_URL,
    OUTPUT_DEAD_LETTER_QUEUE_URL,
    OUTPUT_HOSTED_UI_DOMAIN,
    OUTPUT_PROVIDER_SECRET_NAME,
    OUTPUT_RULE_SET_NAME,
    OUTPUT_USER_POOL_CLIENT_ID,
    OUTPUT_USER_POOL_ID,
    OUTPUT_WEB_URL,
    OUTPUT_WEBHOOK_BASE_URL,
)
from tests.infra.template import (
    only,
    queue,
)


def test_dead_letters_and_function_errors_raise_alarms_on_the_topic(template: Template) -> None:
    topic = only(
        template.find_resources("AWS::SNS::Topic", {"Properties": {"DisplayName": "Sportello alarms"}})
    )[0]
    alarms = template.find_resources("AWS::CloudWatch::Alarm")
    metrics = {alarm["Properties"]["MetricName"] for alarm in alarms.values()}
    assert metrics == {
        "ApproximateNumberOfMessagesVisible",
        "Errors",
        "ExecutionsFailed",
        "IngestFailures",
        "OutboundFailures",
    }
    # five dead-letter queues (email, inbound, outbound, ticket events, the sweeps': automations and
    # SLA); email_inbound, agent_api and webhooks errors; routing executions that gave up; ingest and
    # outbound failures
    assert len(alarms) == 11
    assert all(alarm["Properties"]["AlarmActions"] == [{"Ref": topic}] for alarm in alarms.values())


def test_every_messaging_dead_letter_queue_raises_an_alarm_at_the_first_message(template: Template) -> None:
    watched = {
        json.dumps(dimension["Value"])
        for alarm in template.find_resources(
            "AWS::CloudWatch::Alarm", {"Properties": {"MetricName": "ApproximateNumberOfMessagesVisible"}}
        ).values()
        if alarm["Properties"]["Threshold"] == 1
        and alarm["Properties"]["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        for dimension in alarm["Properties"]["Dimensions"]
        if dimension["Name"] == "QueueName"
    }
    for name in (INBOUND_QUEUE, OUTBOUND_QUEUE):
        dead_letters, _ = queue(template, f"{name}{DLQ_SUFFIX}")
        assert json.dumps({"Fn::GetAtt": [dead_letters, "QueueName"]}) in watched, name


def test_operator_outputs(template: Template) -> None:
    assert set(template.to_json()["Outputs"]) >= {
        OUTPUT_API_URL,
        OUTPUT_WEB_URL,
        OUTPUT_USER_POOL_ID,
        OUTPUT_USER_POOL_CLIENT_ID,
        OUTPUT_HOSTED_UI_DOMAIN,
        OUTPUT_RULE_SET_NAME,
        OUTPUT_ACTIVATE_RULE_SET,
        OUTPUT_DEAD_LETTER_QUEUE_URL,
        OUTPUT_WEBHOOK_BASE_URL,
        OUTPUT_PROVIDER_SECRET_NAME,
    }
