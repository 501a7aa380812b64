"""AWS calls per operation, counted around the real handlers under moto.

Each operation runs through its Lambda handler exactly as AWS invokes it (an SES receipt event, an API
Gateway event, an SQS batch), on a desk that already holds the state the operation needs; every botocore
request in between is counted by service and action (`bench.awsclock`). Cold-start work that a warm
container does once (a secret read, a client) is counted apart: each operation is measured warm, after
one untimed run of the same kind.

    python -m bench.calls            # prints the tables; writes bench/results/calls.json and capacity.json

The ticket_events function is measured on the stream's records of an operation (a new mail, an agent's
reply, a status change), delivered in one batch as the filtered stream mapping hands them over; the
calls its SLA clocks subscriber makes (`SlaClocks`: each relevant event rebuilds the ticket's clocks) are
also counted apart, per event, into `results/calls.json` under "SLA clocks per ticket event".

DynamoDB capacity (read and write units, the table's and its indexes') is estimated from the items
each call reads and writes (`bench.capacity`: moto's own ConsumedCapacity ignores item sizes).
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

from bench.capacity import Capacity, metering_dynamodb
from bench.environment import configure

GOAL_MAIL = 5  # calls per inbound mail
SLA_PER_EVENT = "SLA clocks per ticket event"  # the subscriber's share of ticket_events, per event
RESULTS = Path(__file__).parent / "results" / "calls.json"
CAPACITY = Path(__file__).parent / "results" / "capacity.json"
AGENT = {"sub": "agent-1", "email": "ada@desk.example", "cognito:groups": ["agents"]}


def mail(sender: str, subject: str, text: str, **headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@helpdesk.example"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="customer.example")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(text)
    return message


TELEGRAM_SECRET = "bench-telegram-secret"  # the benchmark's own


def main() -> None:
    configure()
    from sportello import names

    queue_base = "https://sqs.eu-west-1.amazonaws.com/123456789012"
    os.environ.update(
        {
            names.ENV_INBOUND_QUEUE_URL: f"{queue_base}/sportello-inbound",
            names.ENV_OUTBOUND_QUEUE_URL: f"{queue_base}/sportello-outbound",
            names.ENV_PROVIDER_SECRETS: json.dumps({"telegram": {"secret_token": TELEGRAM_SECRET}}),
            # ticket_events starts each new ticket's routing workflow (moto records it, runs none here)
            names.ENV_ROUTING_STATE_MACHINE_ARN: (
                "arn:aws:states:eu-west-1:123456789012:stateMachine:sportello-routing"
            ),
            names.ENV_NOTIFICATION_TOPIC_ARN: "arn:aws:sns:eu-west-1:123456789012:sportello-notifications",
        }
    )
    from moto import mock_aws

    capacity: dict[str, Capacity] = {}
    with mock_aws():
        results = measure(capacity)
    report(results)
    report_capacity(capacity)
    report_sla(results, capacity)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({name: dict(calls) for name, calls in results.items()}, indent=2))
    CAPACITY.write_text(json.dumps({name: units.as_dict() for name, units in capacity.items()}, indent=2))
    print(f"results written to {RESULTS} and {CAPACITY}", file=sys.stderr)


def measure(capacity: dict[str, Capacity] | None = None) -> dict[str, Counter[str]]:
    import boto3
    from webhook_processor.handler import handler as webhook_processor
    from webhooks.handler import handler as webhooks

    from agent_api.handler import handler as agent_api
    from bench.awsclock import timing_aws_calls
    from email_inbound.handler import handler as email_inbound
    from infra.constants import INBOUND_QUEUE, OUTBOUND_QUEUE, TICKET_EVENTS_FILTER
    from infra.local.events import LambdaContext, http_api_event, ses_message_id, ses_receipt_event
    from infra.local.queues import sqs_record
    from infra.local.resources import ensure_queue, provision_routing
    from infra.local.streams import matches
    from sportello.config import INBOUND_PREFIX, settings
    from sportello.sla.subscribers import SlaClocks
    from sportello.store import models, schema
    from sportello.tickets.events import Event
    from tests.integration.ticket_stream import deliver as deliver_records
    from tests.integration.ticket_stream import every_record

    models.create_table()
    provision_routing()
    config = settings()
    boto3.client("s3").create_bucket(
        Bucket=config.data_bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    boto3.client("sesv2").create_email_identity(EmailIdentity=config.mail_domain)
    queues = {name: ensure_queue(name) for name in (INBOUND_QUEUE, OUTBOUND_QUEUE)}
    sqs = boto3.client("sqs")
    s3 = boto3.client("s3")
    passed = dict.fromkeys(("spam", "virus", "spf", "dkim", "dmarc"), "PASS")

    def stage(message: EmailMessage) -> Callable[[], Any]:
        """What SES does before the function runs (store the mail), untimed; returns the function's run."""
        raw, ses_id = bytes(message), ses_message_id()
        s3.put_object(Bucket=config.data_bucket, Key=f"{INBOUND_PREFIX}{ses_id}", Body=raw)
        event = ses_receipt_event(ses_id, raw, [config.support_address], "sender@example.org", passed)
        return lambda: email_inbound(event, LambdaContext("email_inbound"))

    def deliver(message: EmailMessage) -> Callable[[], Any]:
        return stage(message)

    def api(method: str, path: str, body: Any = None) -> dict[str, Any]:
        payload = json.dumps(body).encode() if body is not None else b""
        event = http_api_event(
            method, path, headers={"content-type": "application/json"}, body=payload, claims=AGENT
        )
        response: dict[str, Any] = agent_api(event, LambdaContext("agent_api"))
        return response

    def telegram(text: str, message_id: int) -> None:
        update = {
            "update_id": message_id,
            "message": {
                "message_id": message_id,
                "date": 1_700_000_000 + message_id,
                "chat": {"id": 4242, "type": "private", "first_name": "Luca"},
                "from": {"id": 4242, "first_name": "Luca"},
                "text": text,
            },
        }
        secret = TELEGRAM_SECRET
        event = http_api_event(
            "POST",
            "/webhooks/telegram",
            headers={"content-type": "application/json", "x-telegram-bot-api-secret-token": secret},
            body=json.dumps(update).encode(),
        )
        event["pathParameters"] = {"provider": "telegram"}
        webhooks(event, LambdaContext("webhooks"))

    def queued_batch() -> Callable[[], Any]:
        """The batch SQS hands the processor (received untimed: the event source mapping's work)."""
        received = sqs.receive_message(
            QueueUrl=queues[INBOUND_QUEUE], MaxNumberOfMessages=10, AttributeNames=["All"]
        )
        arn = f"arn:aws:sqs:eu-west-1:123456789012:{INBOUND_QUEUE}"
        records = [sqs_record(message, arn) for message in received.get("Messages", [])]
        return lambda: webhook_processor({"Records": records}, LambdaContext("webhook_processor"))

    def process_inbound() -> None:
        queued_batch()()

    first = mail("Maria <maria@customer.example>", "Ordine 1", "Dov'è il mio ordine?")

    def now(operation: Callable[[], Any]) -> Callable[[], Callable[[], Any]]:
        return lambda: operation

    def patch_ticket_one() -> Callable[[], Any]:
        version = _version(api, 1)  # read untimed: the agent's app holds the version it shows
        return lambda: api("PATCH", "/api/tickets/1", {"version": version, "priority": "high"})

    def accept_new_message() -> Callable[[], Any]:
        telegram("Ancora", 3)  # accepted untimed: its processing, as the queue hands it over, counts
        return queued_batch()

    warm = mail("Warm <warm@customer.example>", "Warm-up", "warm")
    reply_to_first = mail(
        "Maria <maria@customer.example>", "Re: Ordine 1", "Grazie", In_Reply_To=first["Message-ID"]
    )
    scenarios: list[tuple[str, Callable[[], Any], Callable[[], Callable[[], Any]]]] = [
        ("inbound mail, new customer", deliver(warm), lambda: deliver(first)),
        (
            "inbound mail, known customer",
            deliver(mail("Warm <warm@customer.example>", "Again", "warm")),
            lambda: deliver(mail("Maria <maria@customer.example>", "Ordine 2", "E l'altro ordine?")),
        ),
        (
            "inbound mail, threaded reply",
            deliver(mail("Warm <warm@customer.example>", "Re: warm", "x", In_Reply_To=warm["Message-ID"])),
            lambda: deliver(reply_to_first),
        ),
        (
            "webhook: accept (webhooks function)",
            lambda: telegram("warm", 1),
            now(lambda: telegram("Ciao", 2)),
        ),
        ("webhook: process (webhook_processor)", process_inbound, accept_new_message),
        ("agent list view", lambda: api("GET", "/api/tickets"), now(lambda: api("GET", "/api/tickets"))),
        ("ticket page", lambda: api("GET", "/api/tickets/1"), now(lambda: api("GET", "/api/tickets/1"))),
        (
            "ticket PATCH",
            lambda: api("PATCH", "/api/tickets/2", {"version": 1, "priority": "high"}),
            patch_ticket_one,
        ),
    ]
    delivered: set[str] = set()

    def fresh_records() -> list[dict[str, Any]]:
        """The stream's ticket events not yet handed to ticket_events (the mapping's filter applied)."""
        records = [record for record in every_record() if record["eventID"] not in delivered]
        delivered.update(record["eventID"] for record in records)
        return [record for record in records if matches(TICKET_EVENTS_FILTER, record)]

    events_in_batch: dict[str, int] = {}

    def stream_after(name: str, operation: Callable[[], Any]) -> Callable[[], Callable[[], Any]]:
        """Runs the operation (untimed), then hands its stream records to ticket_events as one batch."""

        def prepare() -> Callable[[], Any]:
            operation()
            records = fresh_records()
            events_in_batch[name] = len(records)
            return lambda: deliver_records(records)

        return prepare

    def flush_stream() -> None:
        records = fresh_records()
        if records:  # an empty batch is not an event Lambda sends
            deliver_records(records)

    def agent_reply() -> None:
        api("POST", "/api/tickets/1/messages", {"body": "Ci pensiamo noi.", "public": True})

    def set_pending() -> None:
        api("PATCH", "/api/tickets/1", {"version": _version(api, 1), "status": "pending"})

    events_new_mail = "ticket events: a new mail's (ticket_events)"
    events_reply = "ticket events: an agent's reply (ticket_events)"
    events_pending = "ticket events: set pending (ticket_events)"

    def new_mail() -> None:
        deliver(mail("Lucia <lucia@customer.example>", "Ordine 3", "Il pacco?"))()

    scenarios += [
        (events_new_mail, flush_stream, stream_after(events_new_mail, new_mail)),
        (events_reply, flush_stream, stream_after(events_reply, agent_reply)),
        (events_pending, flush_stream, stream_after(events_pending, set_pending)),
    ]

    # The SLA subscriber's own calls and units, counted apart inside ticket_events' (clocks nest).
    sla_calls: Counter[str] = Counter()
    sla_units: list[Capacity] = []
    sla_events = 0
    measuring_sla = False
    handle = SlaClocks.handle
    indexes = {spec.name: (spec.partition_key, spec.sort_key) for spec in schema.INDEXES}

    def counted_handle(subscriber: SlaClocks, event: Event) -> None:
        nonlocal sla_events
        if not measuring_sla:
            handle(subscriber, event)
            return
        with timing_aws_calls() as clock, metering_dynamodb(indexes) as units:
            handle(subscriber, event)
        sla_calls.update(clock.calls)
        sla_units.append(units)
        sla_events += 1

    SlaClocks.handle = counted_handle  # type: ignore[method-assign,assignment]
    results: dict[str, Counter[str]] = {}
    try:
        for name, warm_up, prepare in scenarios:
            print(f"    {name}", file=sys.stderr)
            warm_up()
            operation = prepare()  # untimed: what happens before the function is invoked
            measuring_sla = name in events_in_batch
            with timing_aws_calls() as clock, metering_dynamodb(indexes) as units:
                operation()
            measuring_sla = False
            results[name] = clock.calls
            if capacity is not None:
                capacity[name] = units
    finally:
        SlaClocks.handle = handle  # type: ignore[method-assign]
    for name, count in events_in_batch.items():
        print(f"    {name}: {count} ticket events in the batch", file=sys.stderr)
    # Per event the dispatcher handed the subscriber (the kinds it listens to), over the three batches; a
    # change of a field that moves no clock would count too, at no cost (none is in these batches).
    results[SLA_PER_EVENT] = Counter({action: n / sla_events for action, n in sla_calls.items()})
    if capacity is not None:
        capacity[SLA_PER_EVENT] = Capacity(
            read_units=sum(u.read_units for u in sla_units) / sla_events,
            write_units=sum(u.write_units for u in sla_units) / sla_events,
            index_write_units=sum(u.index_write_units for u in sla_units) / sla_events,
            bytes_written=round(sum(u.bytes_written for u in sla_units) / sla_events),
        )
    results[SLA_PER_EVENT]["events"] = sla_events  # how many the average is over
    return results


def _version(api: Callable[..., dict[str, Any]], number: int) -> int:
    return int(json.loads(api("GET", f"/api/tickets/{number}")["body"])["ticket"]["version"])


def report(results: dict[str, Counter[str]]) -> None:
    print("\nAWS calls per operation (warm container, through the handlers, under moto)")
    print(f"{'operation':<48}{'calls':>6}   by action")
    for name, calls in results.items():
        if name == SLA_PER_EVENT:
            continue
        detail = ", ".join(f"{action} {count}" for action, count in sorted(calls.items()))
        print(f"{name:<48}{calls.total():>6}   {detail}")
    mails = [calls.total() for name, calls in results.items() if name.startswith("inbound mail")]
    verdict = "within" if max(mails) <= GOAL_MAIL else "over"
    print(f"summary: inbound mail takes {min(mails)}-{max(mails)} calls ({verdict} the goal of {GOAL_MAIL})")


def report_capacity(capacity: dict[str, Capacity]) -> None:
    print("\nDynamoDB capacity per operation (request units, estimated from item sizes: bench/capacity.py)")
    print(f"{'operation':<48}{'read':>7}{'write':>7}{'index':>7}{'KB written':>12}")
    for name, units in capacity.items():
        if not (units.read_units or units.total_write_units):
            continue
        print(
            f"{name:<48}{units.read_units:>7g}{units.write_units:>7g}{units.index_write_units:>7g}"
            f"{units.bytes_written / 1024:>12.1f}"
        )


def report_sla(results: dict[str, Counter[str]], capacity: dict[str, Capacity]) -> None:
    per_event = Counter(results[SLA_PER_EVENT])
    events = int(per_event.pop("events"))
    detail = ", ".join(f"{action} {count:.2f}" for action, count in sorted(per_event.items()))
    print(f"\nSLA clocks subscriber (SlaClocks, in ticket_events), per ticket event ({events} events)")
    print(f"calls {per_event.total():.2f}: {detail}")
    units = capacity.get(SLA_PER_EVENT)
    if units is not None:
        print(
            f"units: read {units.read_units:.2f}, write {units.write_units:.2f}, "
            f"index {units.index_write_units:.2f}, {units.bytes_written / 1024:.1f} KB written"
        )


if __name__ == "__main__":
    main()
