"""The ticket_events function in the synthesized template: its stream mapping, filter, DLQ, alarm, role."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Template

from infra.constants import (
    TICKET_EVENTS_DLQ,
    TICKET_EVENTS_FILTER,
    TICKET_EVENTS_FUNCTION,
    TICKET_EVENTS_RETRY_ATTEMPTS,
)
from infra.local.streams import matches
from sportello.names import (
    ENV_POWERTOOLS_LOG_LEVEL,
    ENV_POWERTOOLS_SERVICE_NAME,
    ENV_ROUTING_STATE_MACHINE_ARN,
    ENV_TABLE_NAME,
)
from tests.infra.template import (
    actions_of,
    as_list,
    function,
    logical_id,
    only,
    queue,
    statements_of,
)


@pytest.fixture(scope="module")
def mapping(template: Template) -> dict[str, Any]:
    mappings = template.find_resources(
        "AWS::Lambda::EventSourceMapping",
        {"Properties": {"FunctionName": {"Ref": function(template, TICKET_EVENTS_FUNCTION)[0]}}},
    )
    properties: dict[str, Any] = only(mappings)[1]["Properties"]
    return properties


def test_the_tables_stream_feeds_the_function_from_its_oldest_record(
    template: Template, mapping: dict[str, Any]
) -> None:
    table = logical_id(template, "AWS::DynamoDB::Table")
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": [table, "StreamArn"]}
    assert mapping["StartingPosition"] == "TRIM_HORIZON"
    # The stream keeps both images: later subscribers (reports, search) may need the old one
    stream = template.to_json()["Resources"][table]["Properties"]["StreamSpecification"]
    assert stream == {"StreamViewType": "NEW_AND_OLD_IMAGES"}


def test_only_new_event_items_invoke_the_function(mapping: dict[str, Any]) -> None:
    (rule,) = mapping["FilterCriteria"]["Filters"]
    pattern = json.loads(rule["Pattern"])
    assert pattern == TICKET_EVENTS_FILTER

    def record(event_name: str, item_type: str) -> dict[str, Any]:
        return {"eventName": event_name, "dynamodb": {"NewImage": {"item_type": {"S": item_type}}}}

    # The same pattern the local poller applies: what it lets through, and what it keeps out
    assert matches(pattern, record("INSERT", "event"))
    assert not matches(pattern, record("MODIFY", "event"))
    assert not matches(pattern, record("INSERT", "ticket"))  # e.g. the subscriber's own update
    assert not matches(pattern, record("INSERT", "processed_event"))  # its markers: no loop
    assert not matches(pattern, {"eventName": "REMOVE", "dynamodb": {}})


def test_failures_are_reported_per_record_bisected_retried_then_parked(
    template: Template, mapping: dict[str, Any]
) -> None:
    dead_letters, _ = queue(template, TICKET_EVENTS_DLQ)
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BisectBatchOnFunctionError"] is True
    assert mapping["MaximumRetryAttempts"] == TICKET_EVENTS_RETRY_ATTEMPTS
    # Given up well within the stream's 24 hours, so that the parked batch can still be replayed
    assert 0 < mapping["MaximumRecordAgeInSeconds"] <= 6 * 3600
    assert mapping["DestinationConfig"] == {
        "OnFailure": {"Destination": {"Fn::GetAtt": [dead_letters, "Arn"]}}
    }


def test_the_dead_letter_queue_is_encrypted_tls_only_and_raises_an_alarm(template: Template) -> None:
    dead_letters, properties = queue(template, TICKET_EVENTS_DLQ)
    assert properties["Properties"]["SqsManagedSseEnabled"] is True
    assert properties["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
    (policy,) = template.find_resources(
        "AWS::SQS::QueuePolicy", {"Properties": {"Queues": [{"Ref": dead_letters}]}}
    ).values()
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    (alarm,) = [
        alarm["Properties"]
        for alarm in template.find_resources("AWS::CloudWatch::Alarm").values()
        if {"Name": "QueueName", "Value": {"Fn::GetAtt": [dead_letters, "QueueName"]}}
        in alarm["Properties"].get("Dimensions", [])
    ]
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarm["Threshold"] == 1
    alarms_topic = {"Properties": {"DisplayName": "Sportello alarms"}}
    assert alarm["AlarmActions"] == [
        {"Ref": only(template.find_resources("AWS::SNS::Topic", alarms_topic))[0]}
    ]


def test_the_function_reads_the_stream_and_writes_items_nothing_more(template: Template) -> None:
    table = logical_id(template, "AWS::DynamoDB::Table")
    dead_letters, _ = queue(template, TICKET_EVENTS_DLQ)
    statements = statements_of(template, TICKET_EVENTS_FUNCTION)
    actions = {action for statement in statements for action in as_list(statement["Action"])}

    assert {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"} <= actions
    assert {"dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream"} <= actions
    assert "sqs:SendMessage" in actions  # the on-failure destination
    assert (
        not {"dynamodb:Scan", "dynamodb:DeleteTable", "dynamodb:*", "s3:GetObject", "ses:SendRawEmail"}
        & actions
    )
    assert not any("secretsmanager" in action for action in actions)
    stream_reads = [
        s for s in actions_of(statements, "dynamodb") if "dynamodb:GetRecords" in as_list(s["Action"])
    ]
    assert [s["Resource"] for s in stream_reads] == [{"Fn::GetAtt": [table, "StreamArn"]}]
    sends = [s for s in statements if "sqs:SendMessage" in as_list(s["Action"])]
    assert [s["Resource"] for s in sends] == [{"Fn::GetAtt": [dead_letters, "Arn"]}]


def test_the_function_knows_only_its_table_and_the_routing_workflow(template: Template) -> None:
    _, resource = function(template, TICKET_EVENTS_FUNCTION)
    variables = resource["Properties"]["Environment"]["Variables"]
    assert variables[ENV_TABLE_NAME] == {"Ref": logical_id(template, "AWS::DynamoDB::Table")}
    assert set(variables) == {
        ENV_ROUTING_STATE_MACHINE_ARN,
        ENV_TABLE_NAME,
        ENV_ROUTING_STATE_MACHINE_ARN,
        ENV_POWERTOOLS_SERVICE_NAME,
        ENV_POWERTOOLS_LOG_LEVEL,
    }
