"""Reading the synthesized template: find a function, its role's statements, a queue; render intrinsics."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk.assertions import Match, Template
from cdk_nag import AwsSolutionsChecks

from infra.constants import CONTEXT_MAIL_DOMAIN, STACK_NAME
from infra.stack import SportelloStack

MAIL_DOMAIN = "acme.test"
SKIP_BUNDLING: dict[str, Any] = {"aws:cdk:bundling-stacks": []}  # no pip, no copies


def build_stack(outdir: Path, *, checked: bool = False, **context: Any) -> SportelloStack:
    """The whole stack, bundling skipped, for MAIL_DOMAIN and any further context values; `checked` runs
    cdk-nag's AwsSolutions rules when it is synthesized (their findings become annotations)."""
    app = cdk.App(outdir=str(outdir), context={**SKIP_BUNDLING, CONTEXT_MAIL_DOMAIN: MAIL_DOMAIN, **context})
    if checked:
        cdk.Aspects.of(app).add(AwsSolutionsChecks(verbose=True))
    return SportelloStack(app, STACK_NAME)


def synthesize(outdir: Path, **context: Any) -> Template:
    return Template.from_stack(build_stack(outdir, **context))


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


def leaves(value: Any) -> list[Any]:
    """Every nested dict/scalar of an intrinsic, to find a {"Ref": …} inside Fn::Select/Split/Join."""
    found = [value]
    if isinstance(value, dict):
        for item in value.values():
            found += leaves(item)
    elif isinstance(value, list):
        for item in value:
            found += leaves(item)
    return found


def only(resources: Mapping[str, Any]) -> tuple[str, Any]:
    assert len(resources) == 1, sorted(resources)
    return next(iter(resources.items()))


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def logical_id(template: Template, resource_type: str) -> str:
    return only(template.find_resources(resource_type))[0]


def function(template: Template, name: str) -> tuple[str, dict[str, Any]]:
    """The Sportello function shipped from functions/<name>/ (its description names it)."""
    return only(
        template.find_resources(
            "AWS::Lambda::Function", {"Properties": {"Description": Match.string_like_regexp(f" {name}: ")}}
        )
    )


def environment_of(template: Template, name: str) -> dict[str, Any]:
    variables: dict[str, Any] = function(template, name)[1]["Properties"]["Environment"]["Variables"]
    return variables


def role_of(resource: dict[str, Any]) -> dict[str, Any]:
    return {"Ref": resource["Properties"]["Role"]["Fn::GetAtt"][0]}


def statements_of_role(template: Template, role_ref: dict[str, Any]) -> list[dict[str, Any]]:
    policies = template.find_resources("AWS::IAM::Policy", {"Properties": {"Roles": [role_ref]}})
    assert policies, f"no policy attached to {role_ref}"
    return [
        statement
        for policy in policies.values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def statements_of(template: Template, name: str) -> list[dict[str, Any]]:
    return statements_of_role(template, role_of(function(template, name)[1]))


def actions_of(statements: list[dict[str, Any]], service: str) -> list[dict[str, Any]]:
    """The statements that grant any `<service>:` action."""
    return [s for s in statements if any(a.startswith(f"{service}:") for a in as_list(s["Action"]))]


def secrets_readable_by(template: Template, name: str) -> list[Any]:
    """The secrets whose value the function's role may read."""
    return [
        resource
        for statement in statements_of(template, name)
        if "secretsmanager:GetSecretValue" in as_list(statement["Action"])
        for resource in as_list(statement["Resource"])
    ]


def queue(template: Template, name: str) -> tuple[str, dict[str, Any]]:
    return only(template.find_resources("AWS::SQS::Queue", {"Properties": {"QueueName": name}}))


def provider_secret(template: Template) -> str:
    return only(
        template.find_resources("AWS::SecretsManager::Secret", {"Properties": {"SecretString": "{}"}})
    )[0]


def reply_token_secret(template: Template) -> str:
    return only(
        template.find_resources(
            "AWS::SecretsManager::Secret", {"Properties": {"GenerateSecretString": Match.any_value()}}
        )
    )[0]


def alarm_topic(template: Template) -> str:
    """The alarms' SNS topic (the desk's notification topic is the other one)."""
    return only(
        template.find_resources("AWS::SNS::Topic", {"Properties": {"DisplayName": "Sportello alarms"}})
    )[0]


def on_failure_queue(template: Template, name: str) -> str:
    """The queue an asynchronously invoked function's failed events go to (its on-failure destination)."""
    function_id, _ = function(template, name)
    (config,) = template.find_resources(
        "AWS::Lambda::EventInvokeConfig", {"Properties": {"FunctionName": {"Ref": function_id}}}
    ).values()
    queue_id: str = config["Properties"]["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0]
    return queue_id


def schedule_of(template: Template, name: str) -> tuple[str, dict[str, Any]]:
    """The EventBridge rule whose one target is the function `name`."""
    function_id, _ = function(template, name)
    return only(
        {
            rule_id: rule
            for rule_id, rule in template.find_resources("AWS::Events::Rule").items()
            if [target["Arn"] for target in rule["Properties"]["Targets"]]
            == [{"Fn::GetAtt": [function_id, "Arn"]}]
        }
    )
