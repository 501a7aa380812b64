"""The monthly AWS bill of a Sportello desk, from the measured calls per operation and public prices.

    python -m bench.cost [--agents 10] [--tickets 5000] [--messages-per-ticket 4] [--email-share 0.5]

Inputs: `bench/results/calls.json` (AWS calls per operation through the handlers, `python -m
bench.calls`), `bench/results/coldstart.json` (init time per function, `python -m bench.coldstart`), the
workload below, and the price table (us-east-1 / eu-west-1 on-demand list prices, read on PRICES_DATE).
Prints the month at list price and with AWS's always-free tier (which every account keeps), the idle
month (no tickets), and per-agent SaaS prices beside it.

What is estimated rather than measured is said where it is used: item sizes (1 KB writes, 4 KB reads
round up to one unit each), a handler's run time (its init once per cold start, plus a fixed time per
AWS call), and how often an agent's app calls the API.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

RESULTS = Path(__file__).parent / "results"
PRICES_DATE = "2026-12-02"
# USD, on-demand list prices (us-east-1; eu-west-1 is the same for these lines or within a few percent).
PRICES = {
    "lambda_gb_second_arm64": 0.0000133334,
    "lambda_request": 0.20 / 1_000_000,
    "dynamodb_write_unit": 0.625 / 1_000_000,  # on-demand write request unit (1 KB)
    "dynamodb_read_unit": 0.125 / 1_000_000,  # on-demand read request unit (4 KB, strongly consistent)
    "dynamodb_gb_month": 0.25,
    "dynamodb_pitr_gb_month": 0.20,
    "s3_put": 0.005 / 1000,
    "s3_get": 0.0004 / 1000,
    "s3_gb_month": 0.023,
    "ses_outbound_mail": 0.10 / 1000,
    "ses_inbound_mail": 0.10 / 1000,
    "http_api_request": 1.00 / 1_000_000,
    "sqs_request": 0.40 / 1_000_000,
    "secret_month": 0.40,
    "alarm_month": 0.10,
    "express_request": 1.00 / 1_000_000,  # Step Functions Express workflows
    "express_gb_second": 0.00001667,  # billed at 64 MB at least
    "logs_gb_ingested": 0.50,
    "custom_metric_month": 0.30,  # the first 10,000; metered by the hour a metric is published in
    "dashboard_month": 3.00,
    "sns_publish": 0.50 / 1_000_000,
    "sns_email": 2.00 / 100_000,  # each notification delivered to an email subscriber
}
# AWS's always-free tier (not the 12-month trial): what a small desk's bill never reaches.
ALWAYS_FREE = {
    "lambda requests": 1_000_000 * PRICES["lambda_request"],
    "lambda compute": 400_000 * PRICES["lambda_gb_second_arm64"],
    "sqs": 1_000_000 * PRICES["sqs_request"],
    "alarms": 10 * PRICES["alarm_month"],
    "logs": 5 * PRICES["logs_gb_ingested"],
    "custom metrics": 10 * PRICES["custom_metric_month"],
    "dashboards": 3 * PRICES["dashboard_month"],  # of up to 50 metrics each
    "dynamodb storage": 25 * PRICES["dynamodb_gb_month"],
}
SAAS_PER_AGENT_MONTH = {"Zendesk Suite Team": 55, "Freshdesk Growth": 15, "Help Scout Standard": 25}
SECRETS = 2  # reply tokens, provider credentials
# five dead-letter queues (the automations and the SLA sweep share one), three functions' errors, ingest
# failures, outbound failures, routing given up (tests/infra/test_monitoring.py counts them)
ALARMS = 11
DASHBOARDS = 1  # about 40 metrics (infra/constructs/dashboard.py), within the free tier's 50
# The desk's own metrics (sportello/metrics.py, embedded metric format: log lines, no API calls) are
# custom metrics, one per (name, dimensions) pair, billed only for the hours they are published in: a
# month without traffic publishes none. Five names, two of them by channel (ten at most), so at most 25
# pairs; a busy month is counted as if these were published every hour: TicketsCreated of email and of
# one messaging channel, and Quarantined of email (spam arrives daily). The rest (failures, SLA
# breaches, other channels' quarantines) are published in the few hours they happen.
STEADY_METRICS = 3
RARE_METRICS = 4
RARE_METRIC_HOURS = 10  # a month, each
HOURS_PER_MONTH = 730
EXPRESS_MEMORY_GB = 0.064
EMF_BYTES = 350  # one embedded-metric-format log line, in an invocation that counted something
SECONDS_PER_AWS_CALL = 0.015  # a DynamoDB/S3 call from Lambda in the same region, typical
COLD_START_SHARE = 0.05  # share of invocations that start a new container, for a desk of this size
LOG_BYTES_PER_INVOCATION = 1500
MEMORY_GB = {"email_inbound": 1.0}  # the others run with 512 MB
DEFAULT_MEMORY_GB = 0.5


@dataclass(frozen=True)
class Workload:
    agents: int = 10
    tickets: int = 5000
    messages_per_ticket: float = 4
    email_share: float = 0.5
    agent_hours_per_day: float = 8
    working_days: int = 21
    api_calls_per_agent_minute: float = 1.5  # the app's list refresh and the pages an agent opens


def load(name: str) -> dict[str, object]:
    path = RESULTS / name
    if not path.exists():
        raise SystemExit(f"{path} is missing: run `python -m bench.{name.removesuffix('.json')}` first")
    loaded: dict[str, object] = json.loads(path.read_text())
    return loaded


def ticket_events(workload: Workload) -> float:
    """Ticket events a month (created, messages, status and field changes): what ticket_events handles."""
    return workload.tickets * (2 + workload.messages_per_ticket * 1.5)


def monthly(
    workload: Workload,
    calls: dict[str, dict[str, int]],
    init_seconds: dict[str, float],
    capacity: dict[str, dict[str, float]] | None = None,
    routing: dict[str, float] | None = None,
    sla_sweep: dict[str, float] | None = None,
) -> dict[str, float]:
    """Each line of the month's bill at list price, in USD."""
    customer_messages = workload.tickets * workload.messages_per_ticket / 2  # the other half are replies
    agent_replies = workload.tickets * workload.messages_per_ticket / 2
    mails = customer_messages * workload.email_share
    chats = customer_messages - mails
    api_requests = (
        workload.agents
        * workload.agent_hours_per_day
        * 60
        * workload.working_days
        * workload.api_calls_per_agent_minute
    )
    # (operation measured, function, how many times a month)
    operations = [
        ("inbound mail, new customer", "email_inbound", mails * 0.4),
        ("inbound mail, threaded reply", "email_inbound", mails * 0.6),
        ("webhook: accept (webhooks function)", "webhooks", chats),
        ("webhook: process (webhook_processor)", "webhook_processor", chats),
        ("agent list view", "agent_api", api_requests * 0.6),
        ("ticket page", "agent_api", api_requests * 0.4),
        ("ticket PATCH", "agent_api", agent_replies),  # an agent's reply costs about a PATCH and a page
    ]
    lines: dict[str, float] = dict.fromkeys(
        (
            "Lambda",
            "DynamoDB",
            "S3",
            "SES",
            "API Gateway",
            "SQS",
            "Secrets Manager",
            "CloudWatch",
            "Alarms",
            "Custom metrics",
            "Step Functions",
            "SNS",
        ),
        0.0,
    )
    invocations = 0.0
    for operation, function, count in operations:
        by_action = calls.get(operation, {})
        invocations += count
        seconds = sum(by_action.values()) * SECONDS_PER_AWS_CALL + COLD_START_SHARE * init_seconds.get(
            function, 0.3
        )
        lines["Lambda"] += (
            count * seconds * MEMORY_GB.get(function, DEFAULT_MEMORY_GB) * PRICES["lambda_gb_second_arm64"]
        )
        units = (capacity or {}).get(operation)
        if units is not None:
            # request units estimated from the items' sizes by `python -m bench.calls` (capacity.json)
            writes = units["write_units"] + units["index_write_units"]
            lines["DynamoDB"] += count * (
                writes * PRICES["dynamodb_write_unit"] + units["read_units"] * PRICES["dynamodb_read_unit"]
            )
        for action, n in by_action.items():
            service, name = action.split(":", 1)
            if service == "dynamodb" and units is not None:
                continue
            if service == "dynamodb":
                writes = name in ("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems")
                # transactions cost two units per item; a ticket write holds about four items
                units = n * (8 if name == "TransactWriteItems" else 1)
                price = PRICES["dynamodb_write_unit"] if writes else PRICES["dynamodb_read_unit"]
                lines["DynamoDB"] += count * units * price
            elif service == "s3":
                lines["S3"] += count * n * PRICES["s3_put" if name.startswith("Put") else "s3_get"]
            elif service in ("ses", "sesv2"):
                lines["SES"] += count * n * PRICES["ses_outbound_mail"]
            elif service == "sqs":
                lines["SQS"] += count * n * PRICES["sqs_request"]
    # the ticket events consumer: one invocation per batch of events, one write per event (activity)
    events = ticket_events(workload)
    lines["Lambda"] += events / 5 * 0.1 * DEFAULT_MEMORY_GB * PRICES["lambda_gb_second_arm64"]
    lines["DynamoDB"] += events * 2 * PRICES["dynamodb_write_unit"]  # the activity and the marker
    invocations += events / 5 + chats + agent_replies * 0.5  # batches, and replies sent by the queue
    invocations += routing_and_automations(lines, customer_messages, routing)
    sweep_init = init_seconds.get("sla_sweep", 0.3)
    invocations += sla(lines, workload, events, calls, capacity, sla_sweep, sweep_init)
    lines["Lambda"] += invocations * PRICES["lambda_request"]
    lines["SES"] += mails * PRICES["ses_inbound_mail"]
    lines["API Gateway"] += (api_requests + chats + agent_replies) * PRICES["http_api_request"]
    stored_gb = workload.tickets * 20 / 1_000_000  # ~20 KB per ticket in the table over a month
    lines["DynamoDB"] += stored_gb * (PRICES["dynamodb_gb_month"] + PRICES["dynamodb_pitr_gb_month"])
    lines["S3"] += workload.tickets * 0.2 / 1000 * PRICES["s3_gb_month"]  # raw mail and attachments, 200 KB
    lines["Secrets Manager"] += SECRETS * PRICES["secret_month"]
    lines["Alarms"] += ALARMS * PRICES["alarm_month"]
    lines["CloudWatch"] += invocations * LOG_BYTES_PER_INVOCATION / 1e9 * PRICES["logs_gb_ingested"]
    lines["CloudWatch"] += DASHBOARDS * PRICES["dashboard_month"]
    if workload.tickets:
        metric_months = STEADY_METRICS + RARE_METRICS * RARE_METRIC_HOURS / HOURS_PER_MONTH
        lines["Custom metrics"] += metric_months * PRICES["custom_metric_month"]
        lines["Custom metrics"] += workload.tickets * EMF_BYTES / 1e9 * PRICES["logs_gb_ingested"]
    return lines


# Routing (`python -m bench.routing` measures these into results/routing.json; the defaults are its last
# run): each customer message, a new ticket or a reply, is one Express execution of four steps.
ROUTING_DEFAULTS = {"invocations_per_ticket": 4.0, "aws_calls_per_ticket": 20.0, "execution_seconds_aws": 0.5}
# The automations sweep runs every hour, busy or idle: a rules query and an index query per automation.
AUTOMATION_CALLS_PER_SWEEP = 4


def routing_and_automations(
    lines: dict[str, float], customer_messages: float, routing: dict[str, float]
) -> float:
    """Adds routing's and the hourly sweep's costs to `lines`; returns their Lambda invocations."""
    measured = ROUTING_DEFAULTS | routing
    executions = customer_messages
    lines["Step Functions"] += executions * (
        PRICES["express_request"]
        + measured["execution_seconds_aws"] * EXPRESS_MEMORY_GB * PRICES["express_gb_second"]
    )
    step_seconds = measured["aws_calls_per_ticket"] * SECONDS_PER_AWS_CALL
    sweep_seconds = AUTOMATION_CALLS_PER_SWEEP * SECONDS_PER_AWS_CALL
    compute = executions * step_seconds + HOURS_PER_MONTH * sweep_seconds
    lines["Lambda"] += compute * DEFAULT_MEMORY_GB * PRICES["lambda_gb_second_arm64"]
    # about one read unit per call and two write units per routed ticket's writes (each a transaction)
    lines["DynamoDB"] += executions * measured["aws_calls_per_ticket"] * PRICES["dynamodb_read_unit"]
    lines["DynamoDB"] += executions * 3 * 8 * PRICES["dynamodb_write_unit"]
    lines["DynamoDB"] += HOURS_PER_MONTH * AUTOMATION_CALLS_PER_SWEEP * PRICES["dynamodb_read_unit"]
    return executions * measured["invocations_per_ticket"] + HOURS_PER_MONTH


# The SLA (`sportello/sla`). The sweep runs every minute, busy or idle: a month of 30 days is 43,200
# invocations, each one `by_due` Query per shard, which returns nothing when nothing is due (an empty
# Query still costs half a read unit: an index is read eventually consistent).
SLA_SWEEPS_PER_MONTH = 30 * 24 * 60
SLA_SHARDS = 4  # sportello/store/keys.py SLA_SHARDS
SLA_SWEEP_CALLS_IDLE = SLA_SHARDS
EMPTY_QUERY_READ_UNITS = 0.5
# What each ticket event costs the SLA clocks subscriber (`python -m bench.calls` measures it, under
# "SLA clocks per ticket event"; these are its last run): the history Query, the customer and its
# identities, the policies and calendar documents, the record, and the record's write when the clocks
# changed. The write units include the record's two index entries (`by_due` and `by_state`, one write
# unit each per KB, two when the write moves an entry).
SLA_PER_EVENT_DEFAULTS = {"calls": 6.75, "read_units": 3.875, "write_units": 0.75, "index_write_units": 1.5}
# A busy month's alerts: one ticket in five reaches a warning or a breach (an estimate; two alerts each).
# What each alerted ticket costs the sweep is measured by `python -m bench.sla` (results/sla.json: key
# reads and writes per due ticket); these are its last run: 3 GetItems (the record, the ticket, the
# record again to mark it sent), 6 writes (the claim, the two alerts' claims and ticket events, the mark).
SLA_ALERTED_TICKET_SHARE = 0.2
SLA_SWEEP_PER_ALERTED_TICKET = {"reads": 3.0, "writes": 6.0, "alerts": 2.0}
SLA_RECORD_INDEXES = 2  # each record write also writes its by_due and by_state entries
SLA_RECORD_SAVES_PER_ALERTED_TICKET = 2  # the claim and the mark sent, of the six writes


def sla(
    lines: dict[str, float],
    workload: Workload,
    events: float,
    calls: Mapping[str, Mapping[str, float]],
    capacity: dict[str, dict[str, float]] | None,
    sweep: dict[str, float] | None,
    sweep_init_seconds: float,
) -> float:
    """Adds the SLA's costs to `lines`: the per-minute sweep and its alerts, and the clocks rebuilt on
    every ticket event (inside ticket_events, whose invocations are counted already); returns the
    sweep's invocations."""
    per_event = dict(SLA_PER_EVENT_DEFAULTS)
    measured_calls = calls.get("SLA clocks per ticket event")
    if measured_calls:
        per_event["calls"] = sum(n for action, n in measured_calls.items() if action != "events")
    measured_units = (capacity or {}).get("SLA clocks per ticket event")
    if measured_units:
        per_event.update(
            {key: measured_units[key] for key in ("read_units", "write_units", "index_write_units")}
        )
    per_alerted = SLA_SWEEP_PER_ALERTED_TICKET | (sweep or {})
    memory = DEFAULT_MEMORY_GB * PRICES["lambda_gb_second_arm64"]

    # The sweep, every minute: a Query per shard, and the function's time for them.
    sweep_seconds = SLA_SWEEP_CALLS_IDLE * SECONDS_PER_AWS_CALL + COLD_START_SHARE * sweep_init_seconds
    lines["Lambda"] += SLA_SWEEPS_PER_MONTH * sweep_seconds * memory
    lines["DynamoDB"] += (
        SLA_SWEEPS_PER_MONTH * SLA_SWEEP_CALLS_IDLE * EMPTY_QUERY_READ_UNITS * PRICES["dynamodb_read_unit"]
    )
    # Its alerts: key reads and writes per alerted ticket, the record's index entries, the topic.
    alerted = workload.tickets * SLA_ALERTED_TICKET_SHARE
    index_writes = SLA_RECORD_SAVES_PER_ALERTED_TICKET * SLA_RECORD_INDEXES * 2  # each save moves them
    lines["DynamoDB"] += alerted * (
        per_alerted["reads"] * PRICES["dynamodb_read_unit"]
        + (per_alerted["writes"] + index_writes) * PRICES["dynamodb_write_unit"]
    )
    alert_calls = per_alerted["reads"] + per_alerted["writes"] + per_alerted["alerts"]
    lines["Lambda"] += alerted * alert_calls * SECONDS_PER_AWS_CALL * memory
    lines["SNS"] += alerted * per_alerted["alerts"] * (PRICES["sns_publish"] + PRICES["sns_email"])

    # The clocks, rebuilt by every ticket event the subscriber listens to (the events of the workload).
    lines["Lambda"] += events * per_event["calls"] * SECONDS_PER_AWS_CALL * memory
    lines["DynamoDB"] += events * (
        per_event["read_units"] * PRICES["dynamodb_read_unit"]
        + (per_event["write_units"] + per_event["index_write_units"]) * PRICES["dynamodb_write_unit"]
    )
    return SLA_SWEEPS_PER_MONTH


def with_free_tier(lines: dict[str, float]) -> float:
    free_lambda = ALWAYS_FREE["lambda requests"] + ALWAYS_FREE["lambda compute"]
    credited = {
        "Lambda": free_lambda,
        "SQS": ALWAYS_FREE["sqs"],
        # each free allowance pays for its own kind only: free log ingestion pays for no alarm
        "CloudWatch": ALWAYS_FREE["logs"] + ALWAYS_FREE["dashboards"],
        "Alarms": ALWAYS_FREE["alarms"],
        "Custom metrics": ALWAYS_FREE["custom metrics"],
        "DynamoDB": 0.0,  # the free tier's 25 units are provisioned capacity; the table is on-demand
    }
    return sum(max(0.0, cost - credited.get(line, 0.0)) for line, cost in lines.items())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--agents", type=int, default=Workload.agents)
    parser.add_argument("--tickets", type=int, default=Workload.tickets)
    parser.add_argument("--messages-per-ticket", type=float, default=Workload.messages_per_ticket)
    parser.add_argument("--email-share", type=float, default=Workload.email_share)
    arguments = parser.parse_args()
    workload = Workload(
        arguments.agents, arguments.tickets, arguments.messages_per_ticket, arguments.email_share
    )
    calls = {name: dict(counts) for name, counts in load("calls.json").items()}  # type: ignore[call-overload]
    coldstart = load("coldstart.json")["functions"]
    init_seconds = {
        name: sorted(data["init_seconds"])[len(data["init_seconds"]) // 2] for name, data in coldstart.items()
    }  # type: ignore[union-attr]

    # DynamoDB's request units per operation, estimated from item sizes (`bench/capacity.py`); without
    # that file, the rough guess below (1 KB writes, 4 KB reads, four items per transaction)
    capacity_file = RESULTS / "capacity.json"
    capacity = load("capacity.json") if capacity_file.exists() else None
    routing: dict[str, float] = {}
    if (RESULTS / "routing.json").exists():
        measured = load("routing.json")
        routing = {
            "invocations_per_ticket": float(measured["invocations_per_ticket"]),  # type: ignore[arg-type]
            "aws_calls_per_ticket": sum(measured["routing_calls_per_ticket"].values()),  # type: ignore[union-attr]
            "execution_seconds_aws": float(measured["execution_seconds_aws"]),  # type: ignore[arg-type]
        }
    sla_sweep: dict[str, float] = {}
    if (RESULTS / "sla.json").exists():
        # key reads and writes per alerted ticket, from the largest desk `python -m bench.sla` swept
        largest = load("sla.json")["rows"][-1]  # type: ignore[index]
        due = float(largest["due"])
        sla_sweep = {
            "reads": float(largest["other_reads"] - 2) / due,  # less the policies and the calendar, once
            "writes": float(largest["writes"]) / due,
            "alerts": float(largest["alerts"]) / due,
        }
    busy = monthly(workload, calls, init_seconds, capacity, routing, sla_sweep)  # type: ignore[arg-type]
    idle = monthly(Workload(agents=0, tickets=0), calls, init_seconds, capacity, routing, sla_sweep)  # type: ignore[arg-type]
    source = "calls.json and capacity.json" if capacity else "calls.json"
    print(f"Monthly AWS bill (USD, list prices of {PRICES_DATE}; measured {source} in bench/results)")
    print(
        f"workload: {workload.agents} agents, {workload.tickets} tickets, "
        f"{workload.messages_per_ticket:g} messages per ticket, {workload.email_share:.0%} email"
    )
    print(f"{'line':<18}{'busy month':>12}{'idle month':>12}")
    for line in busy:
        print(f"{line:<18}{busy[line]:>12.2f}{idle[line]:>12.2f}")
    print(f"{'total (list)':<18}{sum(busy.values()):>12.2f}{sum(idle.values()):>12.2f}")
    print(f"{'with free tier':<18}{with_free_tier(busy):>12.2f}{with_free_tier(idle):>12.2f}")
    for label, month in (("busy", workload), ("idle", Workload(agents=0, tickets=0))):
        share: dict[str, float] = dict.fromkeys(busy, 0.0)
        sweep_init = init_seconds.get("sla_sweep", 0.3)
        sla(share, month, ticket_events(month), calls, capacity, sla_sweep, sweep_init)  # type: ignore[arg-type]
        parts = ", ".join(f"{line} {cost:.3f}" for line, cost in share.items() if cost >= 0.0005)
        print(f"of which the SLA, {label} (list): {sum(share.values()):.3f} ({parts})")
    saas = ", ".join(f"{name} ${price * workload.agents:,}" for name, price in SAAS_PER_AGENT_MONTH.items())
    print(f"per-agent SaaS for {workload.agents} agents: {saas}")
    goals = with_free_tier(busy) <= 5 and with_free_tier(idle) <= 1
    verdict = "met" if goals else "not met"
    busy_total, idle_total = with_free_tier(busy), with_free_tier(idle)
    print(f"summary: ${busy_total:.2f} a month busy, ${idle_total:.2f} idle (goals $5 and $1: {verdict})")


if __name__ == "__main__":
    main()
