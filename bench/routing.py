"""What routing costs per ticket, and how soon a ticket is assigned.

    python -m bench.routing [--tickets 20] [--latency-mails 20]

1. Per routed ticket, under moto, through the real handlers: a mail arrives (email_inbound, not
   counted), the stream's records reach ticket_events (counted: its StartExecution), moto's Step
   Functions runs the stack's definition (state transitions counted from the execution's history),
   each step invoking the routing function (invocations and the AWS calls made inside them counted).
2. The monthly cost of routing at the default workload (5,000 tickets, 4 messages per ticket: each
   new ticket and each customer reply is one execution), from those counts and the price table of
   `bench.cost` plus Express workflow and SNS prices.
3. Time from a mail accepted (the SMTP 250 of `make dev`'s local cloud) to the ticket assigned, median
   and p95, in the local cloud started as `make dev` starts it.

Writes bench/results/routing.json. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.environment import configure

RESULTS = Path(__file__).parent / "results" / "routing.json"
# Express workflows (USD, PRICES_DATE of bench.cost): per request, and per GB-second at the 64 MB minimum.
EXPRESS_REQUEST = 1.00 / 1_000_000
EXPRESS_GB_SECOND = 0.00001667
EXPRESS_MEMORY_GB = 0.064
SNS_PUBLISH = 0.50 / 1_000_000
SNS_EMAIL = 2.00 / 100_000


def measure(tickets: int) -> dict[str, Any]:
    import os

    from moto import mock_aws

    from sportello import names

    os.environ[names.ENV_ROUTING_STATE_MACHINE_ARN] = (
        "arn:aws:states:eu-west-1:123456789012:stateMachine:sportello-routing"
    )
    os.environ[names.ENV_NOTIFICATION_TOPIC_ARN] = (
        "arn:aws:sns:eu-west-1:123456789012:sportello-notifications"
    )
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        return _measure(tickets)


def _measure(tickets: int) -> dict[str, Any]:
    import boto3
    from routing.handler import handler as routing_handler

    from bench.awsclock import timing_aws_calls
    from bench.calls import mail
    from email_inbound.handler import handler as email_inbound
    from infra.constants import INBOUND_QUEUE, OUTBOUND_QUEUE, ROUTING_FUNCTION
    from infra.local import lambdas
    from infra.local.events import LambdaContext, ses_message_id, ses_receipt_event
    from infra.local.resources import ensure_queue, provision_routing
    from sportello.app import sportello
    from sportello.clock import utc_now
    from sportello.config import INBOUND_PREFIX, settings
    from sportello.routing.model import AgentProfile, AgentStatus, GroupSettings, Strategy
    from sportello.store import models
    from tests.integration.routing import wait_for_executions
    from tests.integration.ticket_stream import deliver, every_record

    step_calls: Counter[str] = Counter()
    invocations = Counter[str]()

    def counted(event: Any, context: Any) -> Any:
        invocations[event["step"]] += 1
        with timing_aws_calls() as clock:
            result = routing_handler(event, context)
        # The clock counts every thread's calls: the benchmark's own polling of the executions is not
        # the step's (the routing function never calls Step Functions).
        step_calls.update({k: n for k, n in clock.calls.items() if not k.startswith("stepfunctions:")})
        return result

    models.create_table()
    config = settings()
    boto3.client("s3").create_bucket(
        Bucket=config.data_bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    boto3.client("sesv2").create_email_identity(EmailIdentity=config.mail_domain)
    for queue in (INBOUND_QUEUE, OUTBOUND_QUEUE):
        ensure_queue(queue)
    lambdas.install({ROUTING_FUNCTION: counted})
    provision_routing()
    app = sportello()
    agents = ("anna", "bruno", "carla")
    app.routing_settings.save_group(GroupSettings("support", "Support", Strategy.LEAST_OPEN, agents))
    from dataclasses import replace

    app.routing_settings.save_classification(
        replace(app.routing_settings.classification(), default_group="support")
    )
    for agent in agents:
        app.presence.save_profile(AgentProfile(agent, capacity=1000))
        app.presence.set_status(agent, AgentStatus.ONLINE, utc_now())

    passed = dict.fromkeys(("spam", "virus", "spf", "dkim", "dmarc"), "PASS")
    s3 = boto3.client("s3")
    start_calls: Counter[str] = Counter()
    delivered: set[str] = set()
    seconds: list[float] = []
    for index in range(tickets):
        message = mail(
            f"Cliente {index} <c{index}@customer.example>", f"Ordine {index} bloccato", "Aiuto, è urgente"
        )
        raw, ses_id = bytes(message), ses_message_id()
        s3.put_object(Bucket=config.data_bucket, Key=f"{INBOUND_PREFIX}{ses_id}", Body=raw)
        event = ses_receipt_event(ses_id, raw, [config.support_address], "sender@example.org", passed)
        email_inbound(event, LambdaContext("email_inbound"))
        fresh = [r for r in every_record() if r["eventID"] not in delivered]
        delivered.update(r["eventID"] for r in fresh)
        started = time.perf_counter()
        with timing_aws_calls() as clock:
            deliver(fresh)
        start_calls.update(clock.calls)
        wait_for_executions()
        seconds.append(time.perf_counter() - started)
        print(f"\r    routed {index + 1}/{tickets}", end="", file=sys.stderr)
    print(file=sys.stderr)
    sfn = boto3.client("stepfunctions")
    executions = sfn.list_executions(stateMachineArn=settings().routing_state_machine_arn)["executions"]
    transitions = 0
    for execution in executions:
        history = sfn.get_execution_history(executionArn=execution["executionArn"], maxResults=1000)["events"]
        transitions += sum(1 for e in history if e["type"].endswith("StateEntered"))
    assigned = sum(1 for n in range(1, tickets + 1) if app.tickets.get(n).assignee)
    return {
        "tickets": tickets,
        "executions": len(executions),
        "assigned": assigned,
        "transitions_per_ticket": transitions / tickets,
        "invocations_per_ticket": sum(invocations.values()) / tickets,
        "routing_calls_per_ticket": {k: v / tickets for k, v in sorted(step_calls.items())},
        "ticket_events_calls_per_ticket": {k: v / tickets for k, v in sorted(start_calls.items())},
        "execution_seconds_median_moto": statistics.median(seconds),
    }


def monthly_cost(
    measured: dict[str, Any], tickets: int = 5000, messages_per_ticket: float = 4
) -> dict[str, float]:
    from bench.cost import DEFAULT_MEMORY_GB, PRICES, SECONDS_PER_AWS_CALL

    executions = tickets * messages_per_ticket / 2  # each new ticket and each customer reply
    calls = measured["routing_calls_per_ticket"]
    dynamodb = 0.0
    for action, n in calls.items():
        service, name = action.split(":", 1)
        if service == "dynamodb":
            writes = name in ("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems")
            units = n * (8 if name == "TransactWriteItems" else 1)
            dynamodb += units * PRICES["dynamodb_write_unit" if writes else "dynamodb_read_unit"]
    invocations = measured["invocations_per_ticket"]
    lambda_seconds = sum(calls.values()) * SECONDS_PER_AWS_CALL
    notifications = calls.get("sns:Publish", 0)
    return {
        "Step Functions (Express)": executions
        * (EXPRESS_REQUEST + measured["execution_seconds_aws"] * EXPRESS_MEMORY_GB * EXPRESS_GB_SECOND),
        "Lambda": executions
        * (
            invocations * PRICES["lambda_request"]
            + lambda_seconds * DEFAULT_MEMORY_GB * PRICES["lambda_gb_second_arm64"]
        ),
        "DynamoDB": executions * dynamodb,
        "SNS": executions * notifications * (SNS_PUBLISH + SNS_EMAIL),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=20)
    parser.add_argument("--latency-mails", type=int, default=20)
    arguments = parser.parse_args()
    configure()
    print("==> routing: calls and transitions per ticket (moto, the real handlers)", file=sys.stderr)
    measured = measure(arguments.tickets)
    # In AWS a step is a Lambda call of ~15 ms per AWS call it makes, plus Step Functions' own overhead.
    per_call = 0.015
    calls = sum(measured["routing_calls_per_ticket"].values())
    measured["execution_seconds_aws"] = calls * per_call + measured["invocations_per_ticket"] * 0.03
    cost = monthly_cost(measured)
    measured["monthly_cost_usd"] = cost
    print("==> routing: time from mail accepted to ticket assigned (local cloud)", file=sys.stderr)
    from bench.routing_latency import assignment_latency

    latency = assignment_latency(arguments.latency_mails)
    measured["assignment_seconds"] = latency
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(measured, indent=2))
    print(
        f"per routed ticket: {measured['transitions_per_ticket']:.1f} state transitions, "
        f"{measured['invocations_per_ticket']:.1f} routing invocations, {calls:.1f} AWS calls in them"
    )
    for action, n in measured["routing_calls_per_ticket"].items():
        print(f"    {action:<32}{n:>6.1f}")
    starts = ", ".join(f"{k} {v:.1f}" for k, v in measured["ticket_events_calls_per_ticket"].items())
    print(f"ticket_events per ticket: {starts}")
    print("monthly cost of routing at 5,000 tickets (10,000 executions):")
    for line, usd in cost.items():
        print(f"    {line:<28}${usd:>7.3f}")
    print(f"    {'total':<28}${sum(cost.values()):>7.3f}")
    print(
        f"mail accepted → ticket assigned (local cloud, {latency['mails']} mails): "
        f"median {latency['median']:.2f} s, p95 {latency['p95']:.2f} s"
    )
    print(
        f"summary: {measured['transitions_per_ticket']:.0f} transitions and {calls:.0f} AWS calls "
        f"per routed ticket; ${sum(cost.values()):.2f} a month at 5,000 tickets; "
        f"assigned in {latency['median']:.1f} s (median)"
    )
    print(f"results written to {RESULTS}", file=sys.stderr)


if __name__ == "__main__":
    main()
