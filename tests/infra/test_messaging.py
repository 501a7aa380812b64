"""Messaging channels: the webhook intake, the two work queues and their consumers, provider credentials."""

from __future__ import annotations

import json

import pytest
from aws_cdk.assertions import Match, Template

from infra.constants import (
    AGENT_API_FUNCTION,
    DLQ_SUFFIX,
    INBOUND_QUEUE,
    OUTBOUND_FUNCTION,
    OUTBOUND_QUEUE,
    OUTPUT_PROVIDER_SECRET_NAME,
    QUEUE_MAX_RECEIVES,
    WEBHOOK_PROCESSOR_FUNCTION,
    WEBHOOKS_FUNCTION,
)
from sportello.names import (
    ENV_INBOUND_QUEUE_URL,
    ENV_OUTBOUND_MAX_RECEIVES,
    ENV_OUTBOUND_QUEUE_URL,
    ENV_PROVIDER_SECRETS_NAME,
)
from tests.infra.template import (
    actions_of,
    as_list,
    function,
    leaves,
    logical_id,
    only,
    provider_secret,
    queue,
    render,
    reply_token_secret,
    statements_of,
)

MESSAGING_FUNCTIONS = (WEBHOOKS_FUNCTION, WEBHOOK_PROCESSOR_FUNCTION, OUTBOUND_FUNCTION)


def test_messaging_functions_get_their_queues_and_the_provider_secret_by_name(template: Template) -> None:
    secret = provider_secret(template)
    inbound, _ = queue(template, INBOUND_QUEUE)
    for name in MESSAGING_FUNCTIONS:
        variables = function(template, name)[1]["Properties"]["Environment"]["Variables"]
        assert {"Ref": secret} in leaves(variables[ENV_PROVIDER_SECRETS_NAME]), name
    webhooks = function(template, WEBHOOKS_FUNCTION)[1]["Properties"]
    assert webhooks["Environment"]["Variables"][ENV_INBOUND_QUEUE_URL] == {"Ref": inbound}
    assert webhooks["Timeout"] == 10
    outbound = function(template, OUTBOUND_FUNCTION)[1]["Properties"]["Environment"]["Variables"]
    # The handler's "last attempt" must be the queue's last receive before the dead-letter queue
    assert outbound[ENV_OUTBOUND_MAX_RECEIVES] == str(QUEUE_MAX_RECEIVES)


def test_agent_api_queues_messaging_replies_on_the_outbound_queue(template: Template) -> None:
    outbound, _ = queue(template, OUTBOUND_QUEUE)
    inbound, _ = queue(template, INBOUND_QUEUE)
    variables = function(template, AGENT_API_FUNCTION)[1]["Properties"]["Environment"]["Variables"]
    assert variables[ENV_OUTBOUND_QUEUE_URL] == {"Ref": outbound}
    sends = [
        s for s in statements_of(template, AGENT_API_FUNCTION) if "sqs:SendMessage" in as_list(s["Action"])
    ]
    assert [r for s in sends for r in as_list(s["Resource"])] == [{"Fn::GetAtt": [outbound, "Arn"]}]
    assert inbound not in json.dumps(sends)


@pytest.mark.parametrize(
    ("name", "consumer"), [(INBOUND_QUEUE, WEBHOOK_PROCESSOR_FUNCTION), (OUTBOUND_QUEUE, OUTBOUND_FUNCTION)]
)
def test_work_queue_has_its_dead_letter_queue_encryption_and_visibility(
    template: Template, name: str, consumer: str
) -> None:
    queue_id, resource = queue(template, name)
    dead_letters_id, dead_letters = queue(template, f"{name}{DLQ_SUFFIX}")
    properties = resource["Properties"]
    assert properties["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [dead_letters_id, "Arn"]},
        "maxReceiveCount": QUEUE_MAX_RECEIVES,
    }
    timeout = function(template, consumer)[1]["Properties"]["Timeout"]
    assert properties["VisibilityTimeout"] >= 6 * timeout
    assert dead_letters["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
    assert "RedrivePolicy" not in dead_letters["Properties"]
    for queue_ref, queue_properties in (
        (queue_id, properties),
        (dead_letters_id, dead_letters["Properties"]),
    ):
        assert queue_properties["SqsManagedSseEnabled"] is True
        template.has_resource_properties(
            "AWS::SQS::QueuePolicy",
            {
                "Queues": [{"Ref": queue_ref}],
                "PolicyDocument": {
                    "Statement": Match.array_with(
                        [
                            Match.object_like(
                                {"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
                            )
                        ]
                    )
                },
            },
        )


def test_queue_consumers_take_batches_of_ten_and_report_item_failures(template: Template) -> None:
    mappings = template.find_resources("AWS::Lambda::EventSourceMapping")
    consumed = {
        (
            mapping["Properties"]["EventSourceArn"]["Fn::GetAtt"][0],
            mapping["Properties"]["FunctionName"]["Ref"],
        )
        for mapping in mappings.values()
        if mapping["Properties"]["BatchSize"] == 10
        and mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    }
    assert consumed == {
        (queue(template, INBOUND_QUEUE)[0], function(template, WEBHOOK_PROCESSOR_FUNCTION)[0]),
        (queue(template, OUTBOUND_QUEUE)[0], function(template, OUTBOUND_FUNCTION)[0]),
    }
    # and the table's stream is the only other source (ticket_events: tests/infra/test_ticket_events.py)
    streams = [m for m in mappings.values() if "StreamArn" in json.dumps(m["Properties"]["EventSourceArn"])]
    assert len(mappings) == len(consumed) + len(streams) == 3


def test_provider_secret_is_an_empty_placeholder_kept_on_delete(template: Template) -> None:
    secret_id = provider_secret(template)
    resource = template.to_json()["Resources"][secret_id]
    assert "GenerateSecretString" not in resource["Properties"]
    assert resource["DeletionPolicy"] == resource["UpdateReplacePolicy"] == "Retain"
    output = only(template.find_outputs(OUTPUT_PROVIDER_SECRET_NAME))[1]["Value"]
    assert {"Ref": secret_id} in leaves(output)


def test_webhooks_function_only_keeps_and_queues(template: Template) -> None:
    # Given the public intake's role: no table, S3 put under webhooks/ only, send to the inbound queue only
    statements = statements_of(template, WEBHOOKS_FUNCTION)
    assert actions_of(statements, "dynamodb") == []
    s3 = actions_of(statements, "s3")
    assert [a for s in s3 for a in as_list(s["Action"])] == ["s3:PutObject"]
    assert [render(r).split("}", 1)[1] for s in s3 for r in as_list(s["Resource"])] == ["/webhooks/*"]
    sqs = actions_of(statements, "sqs")
    assert {a for s in sqs for a in as_list(s["Action"])} <= {
        "sqs:SendMessage",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
    }
    assert [r for s in sqs for r in as_list(s["Resource"])] == [
        {"Fn::GetAtt": [queue(template, INBOUND_QUEUE)[0], "Arn"]}
    ]
    assert actions_of(statements, "ses") == []


def test_processor_reads_webhooks_writes_attachments_large_bodies_and_the_table(template: Template) -> None:
    statements = statements_of(template, WEBHOOK_PROCESSOR_FUNCTION)
    s3 = {
        (action, render(resource).split("}", 1)[1])
        for s in actions_of(statements, "s3")
        for action in as_list(s["Action"])
        for resource in as_list(s["Resource"])
    }
    assert s3 == {
        ("s3:GetObject", "/webhooks/*"),
        ("s3:PutObject", "/attachments/*"),
        ("s3:PutObject", "/bodies/*"),
    }
    table = logical_id(template, "AWS::DynamoDB::Table")
    dynamodb = [render(r) for s in actions_of(statements, "dynamodb") for r in as_list(s["Resource"])]
    assert sorted(dynamodb) == [f"${{{table}.Arn}}", f"${{{table}.Arn}}/index/*"]
    assert "dynamodb:Scan" not in json.dumps(statements)
    assert "sqs:SendMessage" not in json.dumps(statements)
    assert {render(r) for s in actions_of(statements, "sqs") for r in as_list(s["Resource"])} == {
        f"${{{queue(template, INBOUND_QUEUE)[0]}.Arn}}"
    }
    assert actions_of(statements, "ses") == []


def test_outbound_sender_uses_the_table_and_its_queue_only(template: Template) -> None:
    statements = statements_of(template, OUTBOUND_FUNCTION)
    assert actions_of(statements, "s3") == []
    assert actions_of(statements, "ses") == []
    assert actions_of(statements, "dynamodb")
    assert {render(r) for s in actions_of(statements, "sqs") for r in as_list(s["Resource"])} == {
        f"${{{queue(template, OUTBOUND_QUEUE)[0]}.Arn}}"
    }
    assert "sqs:SendMessage" not in json.dumps(statements)


@pytest.mark.parametrize("name", MESSAGING_FUNCTIONS)
def test_messaging_functions_read_the_provider_secret_and_no_other_but_reply_tokens(
    template: Template, name: str
) -> None:
    # Which of them may also read the reply-token secret is test_functions.py's ENVIRONMENT
    statements = statements_of(template, name)
    reads = actions_of(statements, "secretsmanager")
    assert {a for s in reads for a in as_list(s["Action"])} == {
        "secretsmanager:GetSecretValue",
        "secretsmanager:DescribeSecret",
    }
    secrets = [r for s in reads for r in as_list(s["Resource"])]
    assert {"Ref": provider_secret(template)} in secrets
    assert all(
        s in ({"Ref": provider_secret(template)}, {"Ref": reply_token_secret(template)}) for s in secrets
    )
    assert all(a != "*" and not a.endswith(":*") for s in statements for a in as_list(s["Action"]))
