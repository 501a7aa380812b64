"""The routing workflow in the stack: the repository's ASL file, Express, the routing function's steps."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk.assertions import Template

from infra.constants import (
    ROUTING_DEFINITION,
    ROUTING_FUNCTION,
    ROUTING_FUNCTION_ARN_SUBSTITUTION,
    TICKET_EVENTS_FUNCTION,
)
from sportello.names import ENV_NOTIFICATION_TOPIC_ARN, ENV_ROUTING_STATE_MACHINE_ARN
from tests.infra.template import as_list, function, only


def state_machine(template: Template) -> tuple[str, dict[str, Any]]:
    return only(template.find_resources("AWS::StepFunctions::StateMachine"))


def policy_statements(template: Template, role_ref: dict[str, Any]) -> list[dict[str, Any]]:
    policies = template.find_resources("AWS::IAM::Policy")
    return [
        statement
        for policy in policies.values()
        if role_ref in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_the_workflow_is_the_repositorys_definition_on_express(template: Template) -> None:
    _, machine = state_machine(template)
    properties = machine["Properties"]
    assert properties["StateMachineType"] == "EXPRESS"
    assert json.loads(properties["DefinitionString"]) == json.loads(ROUTING_DEFINITION.read_text())
    routing, _ = function(template, ROUTING_FUNCTION)
    assert properties["DefinitionSubstitutions"] == {
        ROUTING_FUNCTION_ARN_SUBSTITUTION: {"Fn::GetAtt": [routing, "Arn"]}
    }
    assert properties["LoggingConfiguration"]["Level"] == "ERROR"


def test_every_step_retries_and_every_failure_ends_in_the_catch_path() -> None:
    definition = json.loads(ROUTING_DEFINITION.read_text())
    tasks = {name: state for name, state in definition["States"].items() if state["Type"] == "Task"}
    assert [tasks[name]["Parameters"]["step"] for name in tasks] == [
        "classify",
        "triggers",
        "assign",
        "notify",
        "fail",
    ]
    for name, task in tasks.items():
        assert task["Retry"][0]["MaxAttempts"] >= 3, name
        if task["Parameters"]["step"] != "fail":
            assert [c["Next"] for c in task["Catch"]] == ["Leave in group"], name


def test_only_ticket_events_may_start_it_and_only_the_rule_runners_publish(template: Template) -> None:
    machine_id, _ = state_machine(template)
    _, events = function(template, TICKET_EVENTS_FUNCTION)
    assert events["Properties"]["Environment"]["Variables"][ENV_ROUTING_STATE_MACHINE_ARN] == {
        "Ref": machine_id
    }
    starts = [
        statement
        for statement in policy_statements(template, {"Ref": events["Properties"]["Role"]["Fn::GetAtt"][0]})
        if "states:StartExecution" in as_list(statement["Action"])
    ]
    assert [s["Resource"] for s in starts] == [{"Ref": machine_id}]
    _, routing = function(template, ROUTING_FUNCTION)
    topic = routing["Properties"]["Environment"]["Variables"][ENV_NOTIFICATION_TOPIC_ARN]
    publishers = [
        policy
        for policy in template.find_resources("AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if "sns:Publish" in as_list(statement["Action"]) and statement["Resource"] == topic
    ]
    # the routing steps and the automations sweep (a rule's "notify"), the SLA sweep (alerts, escalation)
    assert len(publishers) == 3
