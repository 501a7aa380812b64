"""The sweeps' schedules in the synthesized template (automations hourly, SLA every minute): rule, target,
retries, DLQ, alarms, role."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Template

from infra.constants import (
    AUTOMATIONS_FUNCTION,
    AUTOMATIONS_RETRY_ATTEMPTS,
    OUTBOUND_QUEUE,
    SLA_SWEEP_FUNCTION,
)
from infra.constructs.functions import LOG_RETENTION
from tests.infra.template import (
    MAIL_DOMAIN,
    actions_of,
    alarm_topic,
    as_list,
    function,
    logical_id,
    on_failure_queue,
    only,
    queue,
    render,
    schedule_of,
    statements_of,
)

# Each sweep: its schedule, and how old an undelivered run may get before the next one supersedes it.
SWEEPS = {AUTOMATIONS_FUNCTION: ("rate(1 hour)", 3600), SLA_SWEEP_FUNCTION: ("rate(1 minute)", 60)}


@pytest.fixture(scope="module", params=sorted(SWEEPS))
def sweep(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture(scope="module")
def rule(template: Template, sweep: str) -> tuple[str, dict[str, Any]]:
    return schedule_of(template, sweep)


@pytest.fixture(scope="module")
def dead_letters(template: Template, sweep: str) -> str:
    return on_failure_queue(template, sweep)


def test_the_schedule_invokes_the_function(template: Template, rule: tuple[str, Any], sweep: str) -> None:
    rule_id, resource = rule
    properties = resource["Properties"]
    assert properties["ScheduleExpression"] == SWEEPS[sweep][0]
    assert properties["State"] == "ENABLED"
    function_id, _ = function(template, sweep)
    (target,) = properties["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [function_id, "Arn"]}
    # EventBridge may invoke it, from this rule only
    template.has_resource_properties(
        "AWS::Lambda::Permission",
        {
            "Action": "lambda:InvokeFunction",
            "FunctionName": {"Fn::GetAtt": [function_id, "Arn"]},
            "Principal": "events.amazonaws.com",
            "SourceArn": {"Fn::GetAtt": [rule_id, "Arn"]},
        },
    )


def test_a_sweep_that_cannot_be_delivered_or_keeps_failing_is_retried_then_parked(
    template: Template, rule: tuple[str, dict[str, Any]], dead_letters: str, sweep: str
) -> None:
    (target,) = rule[1]["Properties"]["Targets"]
    assert target["RetryPolicy"] == {
        "MaximumRetryAttempts": AUTOMATIONS_RETRY_ATTEMPTS,
        "MaximumEventAgeInSeconds": SWEEPS[sweep][1],  # the next run supersedes it
    }
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [dead_letters, "Arn"]}}
    function_id, _ = function(template, sweep)
    template.has_resource_properties(
        "AWS::Lambda::EventInvokeConfig",
        {"FunctionName": {"Ref": function_id}, "MaximumRetryAttempts": AUTOMATIONS_RETRY_ATTEMPTS},
    )
    # The queue is encrypted, and only this rule's deliveries may land in it from EventBridge
    properties = template.to_json()["Resources"][dead_letters]["Properties"]
    assert properties["SqsManagedSseEnabled"] is True
    (policy,) = template.find_resources(
        "AWS::SQS::QueuePolicy", {"Properties": {"Queues": [{"Ref": dead_letters}]}}
    ).values()
    # (the sweeps share one queue, each rule allowed by a statement of its own)
    from_events = [
        s["Condition"]
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Principal") == {"Service": "events.amazonaws.com"}
    ]
    assert {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": [rule[0], "Arn"]}}} in from_events
    assert len(from_events) == len(SWEEPS)


def test_the_sweeps_share_one_dead_letter_queue_and_its_alarm(template: Template) -> None:
    assert len({on_failure_queue(template, name) for name in SWEEPS}) == 1


def test_a_sweep_that_failed_after_its_retries_raises_an_alarm(
    template: Template, dead_letters: str, sweep: str
) -> None:
    topic = alarm_topic(template)
    function_id, _ = function(template, sweep)
    alarms = template.find_resources("AWS::CloudWatch::Alarm").values()
    watched = [
        alarm
        for alarm in alarms
        if {"Name": "QueueName", "Value": {"Fn::GetAtt": [dead_letters, "QueueName"]}}
        in alarm["Properties"].get("Dimensions", [])
        or {"Name": "FunctionName", "Value": {"Ref": function_id}}
        in alarm["Properties"].get("Dimensions", [])
    ]
    # The sweep that failed after its retries; not each error a retry cures
    assert sorted(alarm["Properties"]["MetricName"] for alarm in watched) == [
        "ApproximateNumberOfMessagesVisible"
    ]
    assert all(alarm["Properties"]["Threshold"] == 1 for alarm in watched)
    assert all(alarm["Properties"]["AlarmActions"] == [{"Ref": topic}] for alarm in watched)


def test_the_function_gets_what_replies_need_and_no_more(
    template: Template, dead_letters: str, sweep: str
) -> None:
    # Both act on tickets as rules do: the automations' actions, the SLA's escalation and its alerts.
    _, resource = function(template, sweep)
    statements = statements_of(template, sweep)
    table_id = logical_id(template, "AWS::DynamoDB::Table")
    for statement in actions_of(statements, "dynamodb"):
        assert "dynamodb:Scan" not in as_list(statement["Action"])
        assert all(render(r).startswith(f"${{{table_id}.Arn}}") for r in as_list(statement["Resource"]))
    assert all(a != "*" and not a.endswith(":*") for s in statements for a in as_list(s["Action"]))
    # Replies by mail: as the support address only
    (send,) = [s for s in statements if "ses:SendRawEmail" in as_list(s["Action"])]
    assert send["Condition"] == {"StringEquals": {"ses:FromAddress": f"support@{MAIL_DOMAIN}"}}
    # Replies on messaging channels: to the outbound queue; failures: to its dead-letter queue
    outbound, _ = queue(template, OUTBOUND_QUEUE)
    sqs_targets = {
        json_resource
        for s in actions_of(statements, "sqs")
        for json_resource in (str(render(r)) for r in as_list(s["Resource"]))
    }
    assert sqs_targets == {f"${{{outbound}.Arn}}", f"${{{dead_letters}.Arn}}"}
    # A rule's "notify" and the SLA's alerts: to the desk's notification topic, nothing else
    notifications = only(
        template.find_resources("AWS::SNS::Topic", {"Properties": {"DisplayName": "Sportello notifications"}})
    )[0]
    assert [(s["Action"], s["Resource"]) for s in actions_of(statements, "sns")] == [
        ("sns:Publish", {"Ref": notifications})
    ]
    # Its logs are kept a month, like every function's
    log_group = resource["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
    retention = template.to_json()["Resources"][log_group]["Properties"]["RetentionInDays"]
    assert retention == 30 and LOG_RETENTION.value == "ONE_MONTH"
