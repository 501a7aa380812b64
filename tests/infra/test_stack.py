"""The synthesized CloudFormation template of the Sportello stack (bundling skipped: no pip, no Docker)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Annotations, Match, Template

from infra.constants import (
    AGENT_API_FUNCTION,
    DLQ_SUFFIX,
    EMAIL_INBOUND_FUNCTION,
    ENV_DATA_BUCKET,
    ENV_DESK_NAME,
    ENV_INBOUND_QUEUE_URL,
    ENV_MAIL_DOMAIN,
    ENV_OUTBOUND_MAX_RECEIVES,
    ENV_OUTBOUND_QUEUE_URL,
    ENV_PROVIDER_SECRETS_NAME,
    ENV_REPLY_TOKEN_SECRET_NAME,
    ENV_SUPPORT_ADDRESS,
    ENV_TABLE_NAME,
    HANDLER,
    INBOUND_PREFIX,
    INBOUND_QUEUE,
    OUTBOUND_FUNCTION,
    OUTBOUND_QUEUE,
    QUEUE_MAX_RECEIVES,
    STACK_NAME,
    WEBHOOK_PROCESSOR_FUNCTION,
    WEBHOOKS_FUNCTION,
)
from infra.constructs import names
from infra.constructs.web import Web
from infra.stack import SportelloStack
from sportello.observability import ENV_TRACING
from sportello.store.schema import INDEXES, PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE

MAIL_DOMAIN = "acme.test"
MESSAGING_FUNCTIONS = (WEBHOOKS_FUNCTION, WEBHOOK_PROCESSOR_FUNCTION, OUTBOUND_FUNCTION)
ALL_FUNCTIONS = (EMAIL_INBOUND_FUNCTION, AGENT_API_FUNCTION, *MESSAGING_FUNCTIONS)
SKIP_BUNDLING: dict[str, Any] = {"aws:cdk:bundling-stacks": []}  # no pip, no copies


@pytest.fixture(scope="module")
def outdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cdk.out")


@pytest.fixture(scope="module")
def template(outdir: Path) -> Template:
    app = cdk.App(outdir=str(outdir), context={**SKIP_BUNDLING, names.CONTEXT_MAIL_DOMAIN: MAIL_DOMAIN})
    return Template.from_stack(SportelloStack(app, STACK_NAME))


# --- helpers ---------------------------------------------------------------------------------------------


def render(value: Any) -> Any:
    """CloudFormation intrinsics as readable strings: {"Ref": "X"} -> "${X}", Fn::Join joined."""
    if isinstance(value, dict) and len(value) == 1:
        (key, argument), *_ = value.items()
        if key == "Ref":
            return f"${{{argument}}}"
        if key == "Fn::GetAtt":
            return f"${{{argument[0]}.{argument[1]}}}"
        if key == "Fn::Join":
            separator, parts = argument
            return separator.join(str(render(part)) for part in parts)
    if isinstance(value, list):
        return [render(item) for item in value]
    return value


def only(resources: Mapping[str, Any]) -> tuple[str, Any]:
    assert len(resources) == 1, sorted(resources)
    return next(iter(resources.items()))


def function(template: Template, name: str) -> tuple[str, dict[str, Any]]:
    return only(
        template.find_resources(
            "AWS::Lambda::Function", {"Properties": {"Description": Match.string_like_regexp(f" {name}: ")}}
        )
    )


def statements_of_role(template: Template, role_ref: dict[str, Any]) -> list[dict[str, Any]]:
    policies = template.find_resources("AWS::IAM::Policy", {"Properties": {"Roles": [role_ref]}})
    assert policies, f"no policy attached to {role_ref}"
    return [
        statement
        for policy in policies.values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def logical_id(template: Template, resource_type: str) -> str:
    return only(template.find_resources(resource_type))[0]


def role_of(resource: dict[str, Any]) -> dict[str, Any]:
    return {"Ref": resource["Properties"]["Role"]["Fn::GetAtt"][0]}


def statements_of(template: Template, name: str) -> list[dict[str, Any]]:
    return statements_of_role(template, role_of(function(template, name)[1]))


def actions_of(statements: list[dict[str, Any]], service: str) -> list[dict[str, Any]]:
    """The statements that grant any `<service>:` action."""
    return [s for s in statements if any(a.startswith(f"{service}:") for a in as_list(s["Action"]))]


def queue(template: Template, name: str) -> tuple[str, dict[str, Any]]:
    return only(template.find_resources("AWS::SQS::Queue", {"Properties": {"QueueName": name}}))


def provider_secret(template: Template) -> str:
    return only(
        template.find_resources("AWS::SecretsManager::Secret", {"Properties": {"SecretString": "{}"}})
    )[0]


# --- data --------------------------------------------------------------------------------------------------


def test_table_keys_and_every_index_come_from_the_schema(template: Template) -> None:
    # Given the shared schema, when the table is synthesized, then keys and indexes match it exactly
    _, table = only(template.find_resources("AWS::DynamoDB::Table"))
    properties = table["Properties"]
    assert properties["KeySchema"] == [
        {"AttributeName": PARTITION_KEY, "KeyType": "HASH"},
        {"AttributeName": SORT_KEY, "KeyType": "RANGE"},
    ]
    indexes = {index["IndexName"]: index for index in properties["GlobalSecondaryIndexes"]}
    assert set(indexes) == {spec.name for spec in INDEXES}
    for spec in INDEXES:
        assert indexes[spec.name]["KeySchema"] == [
            {"AttributeName": spec.partition_key, "KeyType": "HASH"},
            {"AttributeName": spec.sort_key, "KeyType": "RANGE"},
        ]
        assert indexes[spec.name]["Projection"] == {"ProjectionType": "ALL"}
    key_names = {PARTITION_KEY, SORT_KEY} | {n for s in INDEXES for n in (s.partition_key, s.sort_key)}
    definitions = properties["AttributeDefinitions"]
    assert {d["AttributeName"] for d in definitions} == key_names
    assert {d["AttributeType"] for d in definitions} == {"S"}


def test_table_is_on_demand_recoverable_streamed_expiring_and_retained(template: Template) -> None:
    template.has_resource(
        "AWS::DynamoDB::Table",
        {
            "Properties": {
                "BillingMode": "PAY_PER_REQUEST",
                "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
                "TimeToLiveSpecification": {"AttributeName": TTL_ATTRIBUTE, "Enabled": True},
            },
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
        },
    )


def test_data_bucket_is_private_encrypted_versioned_ssl_only_and_retained(template: Template) -> None:
    bucket_id, _ = only(
        template.find_resources(
            "AWS::S3::Bucket",
            {
                "Properties": {
                    "VersioningConfiguration": {"Status": "Enabled"},
                    "BucketEncryption": Match.any_value(),
                    "PublicAccessBlockConfiguration": {
                        "BlockPublicAcls": True,
                        "BlockPublicPolicy": True,
                        "IgnorePublicAcls": True,
                        "RestrictPublicBuckets": True,
                    },
                },
                "DeletionPolicy": "Retain",
            },
        )
    )
    template.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "Bucket": {"Ref": bucket_id},
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


# --- functions -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL_FUNCTIONS)
def test_function_runtime_handler_environment_and_layers(template: Template, name: str) -> None:
    _, resource = function(template, name)
    properties = resource["Properties"]
    assert properties["Runtime"] == "python3.12"
    assert properties["Handler"] == HANDLER
    # Tracing is off unless switched on (`-c tracing=true`): the X-Ray SDK costs every cold start.
    assert "TracingConfig" not in properties
    assert ENV_TRACING not in properties["Environment"]["Variables"]
    assert properties["Architectures"] == ["x86_64"]
    variables = properties["Environment"]["Variables"]
    assert {
        ENV_TABLE_NAME,
        ENV_DATA_BUCKET,
        ENV_MAIL_DOMAIN,
        ENV_SUPPORT_ADDRESS,
        ENV_DESK_NAME,
        ENV_REPLY_TOKEN_SECRET_NAME,
        names.ENV_POWERTOOLS_SERVICE_NAME,
        names.ENV_POWERTOOLS_LOG_LEVEL,
    } <= set(variables)
    assert variables[ENV_MAIL_DOMAIN] == MAIL_DOMAIN
    assert variables[ENV_SUPPORT_ADDRESS] == f"support@{MAIL_DOMAIN}"
    assert variables[names.ENV_POWERTOOLS_SERVICE_NAME] == "sportello"
    assert variables[ENV_TABLE_NAME] == {"Ref": logical_id(template, "AWS::DynamoDB::Table")}
    layers = template.find_resources(
        "AWS::Lambda::LayerVersion", {"Properties": {"Description": Match.string_like_regexp("layers/")}}
    )
    assert len(layers) == 2
    assert sorted(properties["Layers"], key=str) == sorted(({"Ref": layer} for layer in layers), key=str)
    log_group = template.to_json()["Resources"][properties["LoggingConfig"]["LogGroup"]["Ref"]]
    assert log_group["Properties"]["RetentionInDays"] == 30


def test_each_function_has_its_own_role(template: Template) -> None:
    roles = {function(template, name)[1]["Properties"]["Role"]["Fn::GetAtt"][0] for name in ALL_FUNCTIONS}
    assert len(roles) == len(ALL_FUNCTIONS)


def test_reply_token_secret_exists_and_its_name_is_passed(template: Template) -> None:
    # Every function builds the whole composition root, which reads this secret at cold start
    secret_id, secret = only(
        template.find_resources(
            "AWS::SecretsManager::Secret", {"Properties": {"GenerateSecretString": Match.any_value()}}
        )
    )
    assert secret["Properties"]["GenerateSecretString"]["PasswordLength"] >= 32
    for name in ALL_FUNCTIONS:
        resource = function(template, name)[1]
        value = resource["Properties"]["Environment"]["Variables"][ENV_REPLY_TOKEN_SECRET_NAME]
        assert {"Ref": secret_id} in _leaves(value), value
        reads = [
            s
            for s in statements_of_role(template, role_of(resource))
            if "secretsmanager:GetSecretValue" in as_list(s["Action"])
        ]
        assert {"Ref": secret_id} in [r for s in reads for r in as_list(s["Resource"])], name


def _leaves(value: Any) -> list[Any]:
    """Every nested dict/scalar of an intrinsic, to find a {"Ref": …} inside Fn::Select/Split/Join."""
    found = [value]
    if isinstance(value, dict):
        for item in value.values():
            found += _leaves(item)
    elif isinstance(value, list):
        for item in value:
            found += _leaves(item)
    return found


def test_email_function_policy_is_least_privilege(template: Template) -> None:
    # Given the email function's own role, then its table access is itemised and scoped to the table
    _, resource = function(template, EMAIL_INBOUND_FUNCTION)
    role_id = resource["Properties"]["Role"]["Fn::GetAtt"][0]
    statements = statements_of_role(template, {"Ref": role_id})
    table_id = logical_id(template, "AWS::DynamoDB::Table")
    dynamodb = [s for s in statements if any(a.startswith("dynamodb:") for a in as_list(s["Action"]))]
    assert dynamodb, "the email function cannot reach the table"
    for statement in dynamodb:
        actions = as_list(statement["Action"])
        assert "dynamodb:*" not in actions
        assert "dynamodb:Scan" not in actions
        resources = [render(r) for r in as_list(statement["Resource"])]
        assert "*" not in resources
        assert all(r.startswith(f"${{{table_id}.Arn}}") for r in resources), resources
    assert all(a != "*" and not a.endswith(":*") for s in statements for a in as_list(s["Action"]))
    s3_resources = [
        render(r)
        for s in statements
        if any(a.startswith("s3:") for a in as_list(s["Action"]))
        for r in as_list(s["Resource"])
    ]
    assert all(r.endswith(("/inbound/*", "/attachments/*")) or r.endswith(".Arn}") for r in s3_resources), (
        s3_resources
    )


def test_email_function_may_send_only_as_the_support_address(template: Template) -> None:
    _, resource = function(template, EMAIL_INBOUND_FUNCTION)
    statements = statements_of_role(template, {"Ref": resource["Properties"]["Role"]["Fn::GetAtt"][0]})
    (send,) = [s for s in statements if "ses:SendRawEmail" in as_list(s["Action"])]
    assert set(as_list(send["Action"])) == {"ses:SendEmail", "ses:SendRawEmail"}
    assert send["Condition"] == {"StringEquals": {"ses:FromAddress": f"support@{MAIL_DOMAIN}"}}
    assert all(
        render(r).endswith((f":identity/{MAIL_DOMAIN}", f":identity/support@{MAIL_DOMAIN}"))
        for r in send["Resource"]
    )


def test_failed_inbound_mail_goes_to_the_dead_letter_queue(template: Template) -> None:
    queue_id = only(template.find_outputs(names.OUTPUT_DEAD_LETTER_QUEUE_URL))[1]["Value"]["Ref"]
    assert template.to_json()["Resources"][queue_id]["Type"] == "AWS::SQS::Queue"
    function_id, _ = function(template, EMAIL_INBOUND_FUNCTION)
    template.has_resource_properties(
        "AWS::Lambda::EventInvokeConfig",
        {
            "FunctionName": {"Ref": function_id},
            "MaximumRetryAttempts": 2,
            "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": [queue_id, "Arn"]}}},
        },
    )


# --- email -----------------------------------------------------------------------------------------------


def test_receipt_rule_stores_the_mail_before_invoking_the_function(template: Template) -> None:
    # Given the support rule, then S3 (inbound/) comes first and the asynchronous Lambda action second
    _, rule = only(template.find_resources("AWS::SES::ReceiptRule"))
    bucket_id, _ = only(template.find_resources("AWS::S3::Bucket", {"DeletionPolicy": "Retain"}))
    function_id, _ = function(template, EMAIL_INBOUND_FUNCTION)
    actions = rule["Properties"]["Rule"]["Actions"]
    assert [next(iter(action)) for action in actions] == ["S3Action", "LambdaAction"]
    assert actions[0]["S3Action"] == {"BucketName": {"Ref": bucket_id}, "ObjectKeyPrefix": INBOUND_PREFIX}
    assert actions[1]["LambdaAction"] == {
        "FunctionArn": {"Fn::GetAtt": [function_id, "Arn"]},
        "InvocationType": "Event",
    }


def test_receipt_rule_takes_the_support_address_and_the_domain_with_scanning(template: Template) -> None:
    template.has_resource_properties(
        "AWS::SES::ReceiptRule",
        {
            "RuleSetName": {"Ref": logical_id(template, "AWS::SES::ReceiptRuleSet")},
            "Rule": {
                "Recipients": [f"support@{MAIL_DOMAIN}", MAIL_DOMAIN],
                "ScanEnabled": True,
                "Enabled": True,
            },
        },
    )


def test_ses_may_put_inbound_mail_for_this_account_only(template: Template) -> None:
    template.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "ses.amazonaws.com"},
                                "Action": "s3:PutObject",
                                "Condition": {
                                    "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
                                },
                            }
                        )
                    ]
                )
            }
        },
    )


def test_rule_set_activation_command_is_an_output(template: Template) -> None:
    outputs = template.find_outputs(names.OUTPUT_ACTIVATE_RULE_SET)
    command = render(only(outputs)[1]["Value"])
    rule_set = logical_id(template, "AWS::SES::ReceiptRuleSet")
    assert command.startswith(f"aws ses set-active-receipt-rule-set --rule-set-name ${{{rule_set}}}")


# --- messaging -------------------------------------------------------------------------------------------


def test_messaging_functions_get_their_queues_and_the_provider_secret_by_name(template: Template) -> None:
    secret = provider_secret(template)
    inbound, _ = queue(template, INBOUND_QUEUE)
    for name in MESSAGING_FUNCTIONS:
        variables = function(template, name)[1]["Properties"]["Environment"]["Variables"]
        assert {"Ref": secret} in _leaves(variables[ENV_PROVIDER_SECRETS_NAME]), name
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
    assert len(mappings) == 3  # and the table stream's (tests/infra/test_ticket_events.py)


def test_provider_secret_is_an_empty_placeholder_kept_on_delete(template: Template) -> None:
    secret_id = provider_secret(template)
    resource = template.to_json()["Resources"][secret_id]
    assert "GenerateSecretString" not in resource["Properties"]
    assert resource["DeletionPolicy"] == resource["UpdateReplacePolicy"] == "Retain"
    output = only(template.find_outputs(names.OUTPUT_PROVIDER_SECRET_NAME))[1]["Value"]
    assert {"Ref": secret_id} in _leaves(output)


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


def test_processor_reads_webhooks_writes_attachments_and_the_table(template: Template) -> None:
    statements = statements_of(template, WEBHOOK_PROCESSOR_FUNCTION)
    s3 = {
        (action, render(resource).split("}", 1)[1])
        for s in actions_of(statements, "s3")
        for action in as_list(s["Action"])
        for resource in as_list(s["Resource"])
    }
    assert s3 == {("s3:GetObject", "/webhooks/*"), ("s3:PutObject", "/attachments/*")}
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
def test_messaging_functions_read_only_the_two_secrets(template: Template, name: str) -> None:
    statements = statements_of(template, name)
    reads = actions_of(statements, "secretsmanager")
    assert {a for s in reads for a in as_list(s["Action"])} == {
        "secretsmanager:GetSecretValue",
        "secretsmanager:DescribeSecret",
    }
    reply_token = only(
        template.find_resources(
            "AWS::SecretsManager::Secret", {"Properties": {"GenerateSecretString": Match.any_value()}}
        )
    )[0]
    secrets = [r for s in reads for r in as_list(s["Resource"])]
    assert sorted(secrets, key=str) == sorted(
        [{"Ref": provider_secret(template)}, {"Ref": reply_token}], key=str
    )
    assert all(a != "*" and not a.endswith(":*") for s in statements for a in as_list(s["Action"]))


def test_webhooks_route_is_public_while_agent_routes_keep_the_jwt(template: Template) -> None:
    routes = {
        route["Properties"]["RouteKey"]: route["Properties"]
        for route in template.find_resources("AWS::ApiGatewayV2::Route").values()
    }
    webhook = routes[f"ANY {names.WEBHOOKS_ROUTE}"]
    assert webhook["AuthorizationType"] == "NONE"
    assert "AuthorizerId" not in webhook
    authorizer_id = logical_id(template, "AWS::ApiGatewayV2::Authorizer")
    agent_routes = [p for key, p in routes.items() if key.split(" ", 1)[1].startswith(f"{names.API_PREFIX}/")]
    assert agent_routes
    for properties in agent_routes:
        assert properties["AuthorizationType"] == "JWT"
        assert properties["AuthorizerId"] == {"Ref": authorizer_id}
    # And the public route reaches the webhooks function, which API Gateway may invoke
    integration_id = render(webhook["Target"]).removeprefix("integrations/${").removesuffix("}")
    integration = template.to_json()["Resources"][integration_id]["Properties"]
    webhooks_id, _ = function(template, WEBHOOKS_FUNCTION)
    assert integration["IntegrationUri"] == {"Fn::GetAtt": [webhooks_id, "Arn"]}
    assert integration["PayloadFormatVersion"] == "2.0"
    permissions = template.find_resources(
        "AWS::Lambda::Permission",
        {
            "Properties": {
                "FunctionName": {"Fn::GetAtt": [webhooks_id, "Arn"]},
                "Principal": "apigateway.amazonaws.com",
            }
        },
    )
    assert [
        render(p["Properties"]["SourceArn"]).endswith("/*/*/webhooks/{provider}")
        for p in permissions.values()
    ] == [True]


def test_default_stage_is_throttled(template: Template) -> None:
    _, stage = only(template.find_resources("AWS::ApiGatewayV2::Stage"))
    settings = stage["Properties"]["DefaultRouteSettings"]
    assert 0 < settings["ThrottlingRateLimit"] <= settings["ThrottlingBurstLimit"]


def test_webhook_base_url_is_an_output(template: Template) -> None:
    value = render(only(template.find_outputs(names.OUTPUT_WEBHOOK_BASE_URL))[1]["Value"])
    assert value == f"${{{logical_id(template, 'AWS::ApiGatewayV2::Api')}.ApiEndpoint}}/webhooks/"


# --- auth and API ------------------------------------------------------------------------------------


def test_user_pool_is_invite_only_with_admin_and_agent_groups(template: Template) -> None:
    template.has_resource_properties(
        "AWS::Cognito::UserPool",
        {"AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True}, "UsernameAttributes": ["email"]},
    )
    groups = template.find_resources("AWS::Cognito::UserPoolGroup")
    assert {group["Properties"]["GroupName"] for group in groups.values()} == {"admins", "agents"}


def test_spa_client_uses_the_code_grant_without_secret_back_to_cloudfront(template: Template) -> None:
    _, client = only(template.find_resources("AWS::Cognito::UserPoolClient"))
    properties = client["Properties"]
    distribution = logical_id(template, "AWS::CloudFront::Distribution")
    assert properties["GenerateSecret"] is False
    assert properties["AllowedOAuthFlows"] == ["code"]
    assert set(properties["AllowedOAuthScopes"]) == {"openid", "email", "profile"}
    assert render(properties["CallbackURLs"]) == [f"https://${{{distribution}.DomainName}}/"]
    assert render(properties["LogoutURLs"]) == [f"https://${{{distribution}.DomainName}}/"]


def test_agent_route_requires_a_cognito_jwt_for_the_spa_client(template: Template) -> None:
    # Given the agent route, then it uses the JWT authorizer whose issuer is the user pool
    _, route = only(
        template.find_resources("AWS::ApiGatewayV2::Route", {"Properties": {"RouteKey": "ANY /api/{proxy+}"}})
    )
    authorizer_id, authorizer = only(template.find_resources("AWS::ApiGatewayV2::Authorizer"))
    assert route["Properties"]["AuthorizationType"] == "JWT"
    assert route["Properties"]["AuthorizerId"] == {"Ref": authorizer_id}
    pool = logical_id(template, "AWS::Cognito::UserPool")
    client = logical_id(template, "AWS::Cognito::UserPoolClient")
    jwt = authorizer["Properties"]["JwtConfiguration"]
    assert render(jwt["Issuer"]) == f"https://cognito-idp.${{AWS::Region}}.amazonaws.com/${{{pool}}}"
    assert jwt["Audience"] == [{"Ref": client}]
    assert authorizer["Properties"]["IdentitySource"] == ["$request.header.Authorization"]


def test_agent_route_invokes_agent_api_with_payload_2(template: Template) -> None:
    function_id, _ = function(template, AGENT_API_FUNCTION)
    template.has_resource_properties(
        "AWS::ApiGatewayV2::Integration",
        {
            "IntegrationType": "AWS_PROXY",
            "PayloadFormatVersion": "2.0",
            "IntegrationUri": {"Fn::GetAtt": [function_id, "Arn"]},
        },
    )


def test_cors_allows_any_origin_with_header_authentication_only(template: Template) -> None:
    # The chat widget runs on the business's own site; no route relies on cookies.
    _, api = only(template.find_resources("AWS::ApiGatewayV2::Api"))
    cors = api["Properties"]["CorsConfiguration"]
    assert cors["AllowOrigins"] == ["*"]
    assert set(cors["AllowHeaders"]) == {"Authorization", "Content-Type"}
    assert not cors.get("AllowCredentials")


# --- web -------------------------------------------------------------------------------------------------


def test_cloudfront_reads_the_private_bucket_through_origin_access_control(template: Template) -> None:
    _, distribution = only(template.find_resources("AWS::CloudFront::Distribution"))
    config = distribution["Properties"]["DistributionConfig"]
    oac = logical_id(template, "AWS::CloudFront::OriginAccessControl")
    (origin,) = config["Origins"]
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": [oac, "Id"]}
    assert config["DefaultRootObject"] == "index.html"
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "https-only"
    assert config["DefaultCacheBehavior"]["ResponseHeadersPolicyId"] == {
        "Ref": logical_id(template, "AWS::CloudFront::ResponseHeadersPolicy")
    }


def test_cloudfront_falls_back_to_index_html_for_spa_routes(template: Template) -> None:
    _, distribution = only(template.find_resources("AWS::CloudFront::Distribution"))
    responses = distribution["Properties"]["DistributionConfig"]["CustomErrorResponses"]
    assert {(r["ErrorCode"], r["ResponseCode"], r["ResponsePagePath"]) for r in responses} == {
        (403, 200, "/index.html"),
        (404, 200, "/index.html"),
    }


def test_site_config_points_the_spa_at_this_deployment(template: Template, outdir: Path) -> None:
    # Given the generated config.json, then every key is filled from this stack's resources
    _, deployment = only(template.find_resources("Custom::CDKBucketDeployment"))
    properties = deployment["Properties"]
    # The generated source comes last (it overrides a config.json in web/dist) and carries the markers
    # CDK replaces with deploy-time values.
    key, markers = properties["SourceObjectKeys"][-1], properties["SourceMarkers"][-1]
    text = (outdir / f"asset.{key.removesuffix('.zip')}" / names.WEB_CONFIG_FILE).read_text()
    for marker, value in markers.items():
        text = text.replace(marker, render(value))
    config = json.loads(text)
    assert set(config) == {"auth", "apiBase", "cognitoDomain", "clientId", "redirectUri"}
    assert config["auth"] == "cognito"
    api = logical_id(template, "AWS::ApiGatewayV2::Api")
    distribution = logical_id(template, "AWS::CloudFront::Distribution")
    assert config["apiBase"] == f"${{{api}.ApiEndpoint}}"
    assert config["clientId"] == f"${{{logical_id(template, 'AWS::Cognito::UserPoolClient')}}}"
    assert config["redirectUri"] == f"https://${{{distribution}.DomainName}}/"
    domain = logical_id(template, "AWS::Cognito::UserPoolDomain")
    assert config["cognitoDomain"] == f"https://${{{domain}}}.auth.${{AWS::Region}}.amazoncognito.com"


def test_missing_web_build_is_a_warning_not_an_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(names, "WEB_DIST_DIR", tmp_path / "dist")
    app = cdk.App(outdir=str(tmp_path / "out"), context=SKIP_BUNDLING)
    stack = cdk.Stack(app, "WebOnly")
    Web(stack, "Web").deploy_site({"auth": "cognito"})
    Annotations.from_stack(stack).has_warning(
        "/WebOnly/Web", Match.string_like_regexp("web/dist does not exist")
    )
    _, deployment = only(Template.from_stack(stack).find_resources("Custom::CDKBucketDeployment"))
    assert len(deployment["Properties"]["SourceObjectKeys"]) == 1  # config.json only


# --- monitoring and outputs ------------------------------------------------------------------------------


def test_dead_letters_and_function_errors_raise_alarms_on_the_topic(template: Template) -> None:
    topic = logical_id(template, "AWS::SNS::Topic")
    alarms = template.find_resources("AWS::CloudWatch::Alarm")
    metrics = {alarm["Properties"]["MetricName"] for alarm in alarms.values()}
    assert metrics == {"ApproximateNumberOfMessagesVisible", "Errors"}
    assert len(alarms) == 7  # four dead-letter queues; email_inbound, agent_api and webhooks errors
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
        names.OUTPUT_API_URL,
        names.OUTPUT_WEB_URL,
        names.OUTPUT_USER_POOL_ID,
        names.OUTPUT_USER_POOL_CLIENT_ID,
        names.OUTPUT_HOSTED_UI_DOMAIN,
        names.OUTPUT_RULE_SET_NAME,
        names.OUTPUT_ACTIVATE_RULE_SET,
        names.OUTPUT_DEAD_LETTER_QUEUE_URL,
        names.OUTPUT_WEBHOOK_BASE_URL,
        names.OUTPUT_PROVIDER_SECRET_NAME,
    }


def test_public_api_route_has_no_authorizer_and_its_function_is_least_privilege(template):
    routes = template.find_resources(
        "AWS::ApiGatewayV2::Route", {"Properties": {"RouteKey": "ANY /public/{proxy+}"}}
    )
    assert len(routes) == 1
    [route] = routes.values()
    assert route["Properties"].get("AuthorizationType") == "NONE"
    functions = template.find_resources(
        "AWS::Lambda::Function", {"Properties": {"Description": Match.string_like_regexp("public_api")}}
    )
    assert len(functions) == 1


def test_tracing_switched_on_by_one_context_value(tmp_path: Path) -> None:
    # Given the tracing context value
    app = cdk.App(
        outdir=str(tmp_path),
        context={**SKIP_BUNDLING, names.CONTEXT_MAIL_DOMAIN: MAIL_DOMAIN, names.CONTEXT_TRACING: "true"},
    )
    traced = Template.from_stack(SportelloStack(app, STACK_NAME))
    # Then every function traces actively and tells its handler to build the tracer
    for name in ALL_FUNCTIONS:
        properties = function(traced, name)[1]["Properties"]
        assert properties["TracingConfig"] == {"Mode": "Active"}
        assert properties["Environment"]["Variables"][ENV_TRACING] == "true"
