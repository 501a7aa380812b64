"""What every function shares (runtime, layers, its own role and logs, tracing), and what each is given."""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_cdk.assertions import Match, Template

from infra.constants import (
    AGENT_API_FUNCTION,
    CONTEXT_TRACING,
    EMAIL_INBOUND_FUNCTION,
    HANDLER,
    LAMBDA_PYTHON_VERSION,
    OUTBOUND_FUNCTION,
    PUBLIC_API_FUNCTION,
    WEBHOOK_PROCESSOR_FUNCTION,
    WEBHOOKS_FUNCTION,
)
from sportello.names import (
    ENV_DATA_BUCKET,
    ENV_DESK_NAME,
    ENV_INBOUND_QUEUE_URL,
    ENV_MAIL_DOMAIN,
    ENV_OUTBOUND_MAX_RECEIVES,
    ENV_OUTBOUND_QUEUE_URL,
    ENV_POWERTOOLS_LOG_LEVEL,
    ENV_POWERTOOLS_SERVICE_NAME,
    ENV_PROVIDER_SECRETS_NAME,
    ENV_REPLY_TOKEN_SECRET_NAME,
    ENV_SUPPORT_ADDRESS,
    ENV_TABLE_NAME,
    ENV_TRACING,
)
from tests.infra.template import (
    MAIL_DOMAIN,
    environment_of,
    function,
    leaves,
    logical_id,
    reply_token_secret,
    secrets_readable_by,
    synthesize,
)

BASE = {ENV_POWERTOOLS_SERVICE_NAME, ENV_POWERTOOLS_LOG_LEVEL}
MAIL_SENDER = {ENV_MAIL_DOMAIN, ENV_SUPPORT_ADDRESS, ENV_DESK_NAME}
# Exactly the variables each function reads: a name is given with the grant to use what it names.
ENVIRONMENT = {
    EMAIL_INBOUND_FUNCTION: BASE
    | MAIL_SENDER
    | {ENV_TABLE_NAME, ENV_DATA_BUCKET, ENV_REPLY_TOKEN_SECRET_NAME},
    AGENT_API_FUNCTION: BASE
    | MAIL_SENDER
    | {ENV_TABLE_NAME, ENV_DATA_BUCKET, ENV_REPLY_TOKEN_SECRET_NAME, ENV_OUTBOUND_QUEUE_URL},
    PUBLIC_API_FUNCTION: BASE | MAIL_SENDER | {ENV_TABLE_NAME, ENV_DATA_BUCKET, ENV_REPLY_TOKEN_SECRET_NAME},
    WEBHOOKS_FUNCTION: BASE | {ENV_DATA_BUCKET, ENV_INBOUND_QUEUE_URL, ENV_PROVIDER_SECRETS_NAME},
    WEBHOOK_PROCESSOR_FUNCTION: BASE | {ENV_TABLE_NAME, ENV_DATA_BUCKET, ENV_PROVIDER_SECRETS_NAME},
    OUTBOUND_FUNCTION: BASE | {ENV_TABLE_NAME, ENV_PROVIDER_SECRETS_NAME, ENV_OUTBOUND_MAX_RECEIVES},
}
ALL_FUNCTIONS = tuple(ENVIRONMENT)
REPLY_TOKEN_READERS = tuple(
    name for name, names in ENVIRONMENT.items() if ENV_REPLY_TOKEN_SECRET_NAME in names
)


@pytest.mark.parametrize("name", ALL_FUNCTIONS)
def test_function_runtime_handler_layers_and_logs(template: Template, name: str) -> None:
    properties = function(template, name)[1]["Properties"]
    assert properties["Runtime"] == f"python{LAMBDA_PYTHON_VERSION}"
    assert properties["Handler"] == HANDLER
    # Tracing is off unless switched on (`-c tracing=true`): the X-Ray SDK costs every cold start.
    assert "TracingConfig" not in properties
    assert properties["Architectures"] == ["arm64"]  # the default; `-c architecture=x86_64` for the other
    layers = template.find_resources(
        "AWS::Lambda::LayerVersion", {"Properties": {"Description": Match.string_like_regexp("layers/")}}
    )
    assert len(layers) == 2
    assert sorted(properties["Layers"], key=str) == sorted(({"Ref": layer} for layer in layers), key=str)
    log_group = template.to_json()["Resources"][properties["LoggingConfig"]["LogGroup"]["Ref"]]
    assert log_group["Properties"]["RetentionInDays"] == 30


@pytest.mark.parametrize("name", ALL_FUNCTIONS)
def test_each_function_gets_only_the_variables_it_reads(template: Template, name: str) -> None:
    variables = environment_of(template, name)
    assert set(variables) == ENVIRONMENT[name]
    assert variables[ENV_POWERTOOLS_SERVICE_NAME] == "sportello"
    if ENV_TABLE_NAME in variables:
        assert variables[ENV_TABLE_NAME] == {"Ref": logical_id(template, "AWS::DynamoDB::Table")}
    if ENV_MAIL_DOMAIN in variables:
        assert variables[ENV_MAIL_DOMAIN] == MAIL_DOMAIN
        assert variables[ENV_SUPPORT_ADDRESS] == f"support@{MAIL_DOMAIN}"


def test_each_function_has_its_own_role(template: Template) -> None:
    roles = {function(template, name)[1]["Properties"]["Role"]["Fn::GetAtt"][0] for name in ALL_FUNCTIONS}
    assert len(roles) == len(ALL_FUNCTIONS)


def test_reply_token_secret_is_long_and_retained(template: Template) -> None:
    secret = template.to_json()["Resources"][reply_token_secret(template)]
    assert secret["Properties"]["GenerateSecretString"]["PasswordLength"] >= 32
    assert secret["DeletionPolicy"] == secret["UpdateReplacePolicy"] == "Retain"


@pytest.mark.parametrize("name", REPLY_TOKEN_READERS)
def test_reply_token_secret_is_named_and_readable_together(template: Template, name: str) -> None:
    secret = {"Ref": reply_token_secret(template)}
    assert secret in leaves(environment_of(template, name)[ENV_REPLY_TOKEN_SECRET_NAME])
    assert secret in secrets_readable_by(template, name)


def test_webhooks_function_neither_knows_nor_reads_the_reply_token_secret(template: Template) -> None:
    # Given the public intake, which only verifies, keeps and queues: it signs no reply address
    secret = {"Ref": reply_token_secret(template)}
    variables = environment_of(template, WEBHOOKS_FUNCTION)
    assert ENV_REPLY_TOKEN_SECRET_NAME not in variables
    assert secret not in leaves(variables)
    assert secret not in secrets_readable_by(template, WEBHOOKS_FUNCTION)


def test_tracing_switched_on_by_one_context_value(tmp_path: Path) -> None:
    # Given the tracing context value
    traced = synthesize(tmp_path, **{CONTEXT_TRACING: "true"})
    # Then every function traces actively and tells its handler to build the tracer
    for name in ALL_FUNCTIONS:
        properties = function(traced, name)[1]["Properties"]
        assert properties["TracingConfig"] == {"Mode": "Active"}
        assert properties["Environment"]["Variables"][ENV_TRACING] == "true"


def test_every_function_logs_to_a_group_with_retention(template: Template) -> None:
    # Given every function in the template, CDK's own helpers (site deployment, bucket auto-delete) included
    resources = template.to_json()["Resources"]
    functions = template.find_resources("AWS::Lambda::Function")
    assert len(functions) > len(ALL_FUNCTIONS)
    for function_id, resource in functions.items():
        # Then each writes to a log group of the stack, which keeps its logs for a month, not forever
        log_group = resources[resource["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]]
        assert log_group["Properties"]["RetentionInDays"] == 30, function_id
