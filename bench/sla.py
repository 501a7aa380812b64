"""What the SLA sweep reads, and the alerts it sends, with 1,000, 10,000 and 100,000 tickets and 50 due.

The sweep (functions/sla_sweep, every minute) reads the sparse `by_due` index, one query per shard
bounded by its sort key (next alert at or before now): what it reads must grow with what is due, not
with the desk. Every ticket of the desk here has an SLA record whose next alert is weeks away, so each
of them sits in the index (the worst case for it: none has been met); 50 are due now. For each desk
size this runs the real handler and counts, from PynamoDB's `Connection.dispatch`, the items the
`by_due` queries returned, the queries, every other read and write, and the alerts published to the
notification topic (moto's SNS backend): one warning and one breach per breached target, exactly. A
second sweep right after must send nothing. The desk is grown between sizes (the first 50 are alerted
by then; 50 others are made due before each measurement).

    python -m bench.sla        # in-process moto, a few minutes (the 100,000 records dominate)

The records are written straight to the store in batches (25 items a request, as `batch_write` sends
them): the clocks a ticket's events would give are set by hand, which is what makes a 100,000-ticket
desk take minutes rather than hours of ticket events through the stream. The 50 due tickets are real
tickets (the sweep reads each to publish) and their records go through `DynamoSlaBook.save`, as the
stream's refresh writes them.

Time is moto's: it answers an index query by walking the whole table, so the sweep's wall time grows
with the desk here (the "in moto" column) where DynamoDB's does not; the time outside the calls
(Sportello's and botocore's) does not grow.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from time import perf_counter
from typing import Any

from bench.environment import REGION, configure

DESK_SIZES = (1_000, 10_000, 100_000)
DUE = 50
RESULTS = Path(__file__).parent / "results" / "sla.json"
# Far enough that no sweep of this run reaches it, different per ticket as real desks' are.
FAR_AHEAD = timedelta(days=30)
DUE_TARGET = timedelta(hours=1)  # the due tickets' first-reply target, round the clock
DUE_AGE = timedelta(hours=2)  # so both its warning (75%) and its breach are behind them
BATCH_PROGRESS = 10_000  # tickets between two progress lines
READS = ("GetItem", "BatchGetItem", "Query", "Scan")
WRITES = ("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", type=lambda text: tuple(int(n) for n in text.split(",")), default=DESK_SIZES,
        help="desk sizes, ascending, comma-separated (default 1000,10000,100000)",
    )  # fmt: skip
    sizes = parser.parse_args().sizes
    configure()
    from moto import mock_aws
    from moto.core.models import DEFAULT_ACCOUNT_ID

    from infra.constants import NOTIFICATION_TOPIC
    from sportello import names

    topic_arn = f"arn:aws:sns:{REGION}:{DEFAULT_ACCOUNT_ID}:{NOTIFICATION_TOPIC}"
    os.environ[names.ENV_NOTIFICATION_TOPIC_ARN] = topic_arn

    from bench.motoshim import cheap_transaction_rollback

    rows = []
    started_run = perf_counter()
    with mock_aws(), cheap_transaction_rollback(True):
        prepare(topic_arn)
        built = 0
        for size in sizes:
            started = perf_counter()
            grow(built, size - built)
            built = size
            grown = perf_counter() - started
            make_due(size)
            rows.append(measure(size, topic_arn))
            swept = perf_counter() - started - grown
            print(
                f"    {size:,} tickets: grown in {grown:.0f} s, swept twice in {swept:.1f} s", file=sys.stderr
            )
    report(rows)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({"due": DUE, "rows": rows}, indent=2))
    print(f"results written to {RESULTS} (whole run {perf_counter() - started_run:.0f} s)", file=sys.stderr)


def prepare(topic_arn: str) -> None:
    """The table and the notification topic (the desk's default SLA policy applies: none is stored)."""
    import boto3

    from sportello.store import models

    models.create_table()
    created = boto3.client("sns", region_name=REGION).create_topic(Name=topic_arn.rsplit(":", 1)[-1])
    assert created["TopicArn"] == topic_arn


def _ticket(number: int, created_at: datetime) -> Any:
    from sportello.store.tickets import ticket_to_item
    from sportello.tickets.model import Channel, Priority, Requester, Status, Ticket

    ticket = Ticket(
        number=number,
        subject=f"Request {number}",
        status=Status.OPEN,
        priority=Priority.NORMAL,
        channel=Channel.EMAIL,
        requester=Requester(f"c{number}", f"Customer {number}", f"c{number}@example.org"),
        language="en",
        created_at=created_at,
        updated_at=created_at,
    )
    return ticket_to_item(ticket)


def _record(number: int, started_at: datetime, target: timedelta, version: int = 0) -> Any:
    """A record with its first-reply clock running since `started_at`, as `derive_clocks` leaves it."""
    from sportello.sla.model import DEFAULT_WARNING_PERCENT, SlaRecord, TargetClock, TargetKind
    from sportello.sla.policies import DEFAULT_POLICIES

    policy = DEFAULT_POLICIES[0]
    clock = TargetClock(
        target=TargetKind.FIRST_REPLY,
        cycle=1,
        business=False,
        target_seconds=int(target.total_seconds()),
        started_at=started_at,
        running_since=started_at,
        due_at=started_at + target,
        warn_at=started_at + target * DEFAULT_WARNING_PERCENT / 100,
    )
    return SlaRecord(number, policy.id, policy.name, (clock,), version=version)


def grow(first: int, count: int) -> None:
    """`count` more tickets, each with an SLA record whose next alert (its warning) is weeks ahead."""
    from sportello.clock import utc_now
    from sportello.store import models
    from sportello.store.sla import record_to_item

    now = utc_now()
    with models.TableItem.batch_write() as batch:
        for number in range(first + 1, first + count + 1):
            created_at = now - timedelta(minutes=number % 600)
            batch.save(_ticket(number, created_at))
            # version 1: what the first `DynamoSlaBook.save` stores (a batch write sets none itself)
            record = _record(number, created_at, FAR_AHEAD + timedelta(seconds=number), version=1)
            batch.save(record_to_item(record))
            if (number - first) % BATCH_PROGRESS == 0:
                print(f"\r    writing tickets {number - first:,}/{count:,}", end="", file=sys.stderr)
    if count >= BATCH_PROGRESS:
        print(file=sys.stderr)


def make_due(size: int) -> list[int]:
    """50 of the desk's tickets (spread over it and over the index's shards) made due now: a ticket
    written two hours ago, its record saved through the store as the stream's refresh saves it."""
    from sportello.clock import utc_now
    from sportello.store.sla import DynamoSlaBook

    book = DynamoSlaBook()
    now = utc_now()
    step = size // DUE
    # Spread over the desk and, by the last term, over the shards (a ticket's shard is its number modulo
    # the shard count, and `step` is a multiple of it). The record is replaced whole, so a ticket alerted
    # at a smaller size would be due again all the same.
    numbers = [1 + index * step + (size // 7) % step + index % book.shards for index in range(DUE)]
    assert len({number % book.shards for number in numbers}) == book.shards
    for number in numbers:
        created_at = now - DUE_AGE
        _ticket(number, created_at).save()
        current = book.get(number)
        book.save(_record(number, created_at, DUE_TARGET, version=current.version))
    due = [n for shard in range(book.shards) for n in book.due(shard, utc_now(), 10 * DUE)]
    assert sorted(due) == sorted(numbers), f"expected {DUE} due, the index has {len(due)}"
    return numbers


def _counting_dispatch(counts: Counter[str]) -> tuple[Any, Any]:
    from pynamodb.connection.base import Connection

    from sportello.store.models import TableItem

    original = Connection.dispatch
    due_index = TableItem.by_due.Meta.index_name

    def counting(self: Connection, operation_name: str, operation_kwargs: dict[str, Any]) -> dict[str, Any]:
        data = original(self, operation_name, operation_kwargs)
        if operation_name == "Query" and operation_kwargs.get("IndexName") == due_index:
            counts["due_queries"] += 1
            counts["due_items"] += int(data.get("Count", 0))
        elif operation_name in READS:
            counts["other_reads"] += 1
            counts[operation_name] += 1
        elif operation_name in WRITES:
            counts["writes"] += 1
        return data

    return original, counting


def sweep(topic_arn: str) -> dict[str, Any]:
    """One sweep through the real handler, as EventBridge invokes it, counted."""
    from pynamodb.connection.base import Connection
    from sla_sweep.handler import handler

    from bench.awsclock import timing_aws_calls
    from infra.constants import SLA_SWEEP_FUNCTION
    from infra.local.events import LambdaContext, scheduled_event

    counts: Counter[str] = Counter()
    original, counting = _counting_dispatch(counts)
    before = len(_notifications(topic_arn))
    Connection.dispatch = counting  # type: ignore[method-assign]
    try:
        with timing_aws_calls() as clock:
            started = perf_counter()
            result = handler(scheduled_event("sportello-sla-sweep"), LambdaContext(SLA_SWEEP_FUNCTION))
            seconds = perf_counter() - started
    finally:
        Connection.dispatch = original  # type: ignore[method-assign]
    assert counts["Scan"] == 0, "the sweep scanned the table"
    return {
        "result": result,
        "counts": dict(counts),
        "seconds": seconds,
        "aws_seconds": clock.seconds,
        "alerts": _notifications(topic_arn)[before:],
    }


def measure(size: int, topic_arn: str) -> dict[str, Any]:
    first = sweep(topic_arn)
    second = sweep(topic_arn)
    # (ticket, target, severity) of each SLA alert the topic received
    sent = Counter(
        (int(attributes["ticket"]["Value"]), attributes["target"]["Value"], attributes["severity"]["Value"])
        for attributes in first["alerts"]
        if attributes.get("kind", {}).get("Value") == "sla"
    )
    breaches = [count for (_, _, severity), count in sent.items() if severity == "breach"]
    warnings = [count for (_, _, severity), count in sent.items() if severity == "warning"]
    return {
        "tickets": size,
        "due": DUE,
        "examined": first["result"]["examined"],
        "due_items": first["counts"].get("due_items", 0),
        "due_queries": first["counts"].get("due_queries", 0),
        "other_reads": first["counts"].get("other_reads", 0),
        "other_reads_by_action": {name: first["counts"][name] for name in READS if first["counts"].get(name)},
        "writes": first["counts"].get("writes", 0),
        "sweep_ms": round(first["seconds"] * 1000),
        "sweep_ms_in_moto": round(first["aws_seconds"] * 1000),
        "breached_targets": len(breaches),
        "breach_alerts_per_target": sorted(set(breaches)),
        "warning_alerts_per_target": sorted(set(warnings)),
        "alerts": len(first["alerts"]),
        "second_sweep_alerts": len(second["alerts"]),
        "second_sweep_due_items": second["counts"].get("due_items", 0),
        "second_sweep_reads": second["counts"].get("other_reads", 0),
    }


def _notifications(topic_arn: str) -> list[dict[str, Any]]:
    """The message attributes of every notification the topic received so far, in order."""
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    topic = sns_backends[DEFAULT_ACCOUNT_ID][REGION].topics[topic_arn]
    return [attributes or {} for _, _, _, attributes, _ in topic.sent_notifications]


def report(rows: list[dict[str, Any]]) -> None:
    print(f"\nSLA sweep, {DUE} tickets due (one first-reply target each), every ticket in the due index")
    header = (
        f"{'tickets':>8} {'examined':>8} {'index items':>11} {'index queries':>13} {'other reads':>11} "
        f"{'writes':>6} {'sweep ms':>8} {'in moto':>7} {'alerts':>6} {'breach/target':>13} "
        f"{'warning/target':>14} {'2nd sweep alerts':>16}"
    )
    print(header)
    for row in rows:
        print(
            f"{row['tickets']:>8} {row['examined']:>8} {row['due_items']:>11} {row['due_queries']:>13} "
            f"{row['other_reads']:>11} {row['writes']:>6} {row['sweep_ms']:>8} {row['sweep_ms_in_moto']:>7} "
            f"{row['alerts']:>6} {_per_target(row['breach_alerts_per_target']):>13} "
            f"{_per_target(row['warning_alerts_per_target']):>14} {row['second_sweep_alerts']:>16}"
        )
    reads = ", ".join(f"{name} {n}" for name, n in rows[-1]["other_reads_by_action"].items())
    print(f"other reads at {rows[-1]['tickets']:,} tickets: {reads}")
    flat = len({row["due_items"] for row in rows}) == 1 and len({row["other_reads"] for row in rows}) == 1
    once = all(
        row["breached_targets"] == DUE
        and row["breach_alerts_per_target"] == [1]
        and row["warning_alerts_per_target"] == [1]
        and row["second_sweep_alerts"] == 0
        for row in rows
    )
    growth = "do not grow" if flat else "GROW"
    print(f"summary: index items read per sweep {growth} with the desk's size", end="; ")
    print("exactly one breach alert (and one warning) per breached target, none on the next sweep" if once
          else "alerts per breached target are NOT exactly one")  # fmt: skip


def _per_target(counts: list[int]) -> str:
    return "/".join(str(count) for count in counts) or "-"


if __name__ == "__main__":
    main()
