"""Items the automations' sweep reads, with 1,000 and 10,000 tickets and the same 50 of them due.

The sweep reads through the by_status index, bounded by its sort key (updated at or before now minus
the automation's wait), and never reads a closed ticket: what it reads grows with what is due, not with
the desk. This prints, for each desk size, the tickets the index queries returned and every other read
the sweep made (key reads, the rules), with the three built-in examples switched on. The desk is grown
from 1,000 to 10,000 tickets between the two sweeps (the first sweep's 50 are closed by then, and 50
others are due); the due tickets are solved ones, closed by "Close tickets solved for 4 days".

    python -m bench.automations        # in-process moto, under a minute; not part of `make test`

Runtime is moto's: it answers every query by walking the whole table, and copies it for every
transaction unless bench/motoshim.py (used here, as by the ingest benchmark) backs up only the items
written. Neither changes what is read.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta
from time import perf_counter
from typing import Any

from bench.environment import configure

DESK_SIZES = (1_000, 10_000)
DUE = 50


def main() -> None:
    configure()
    from moto import mock_aws

    from bench.motoshim import cheap_transaction_rollback

    rows = []
    with mock_aws(), cheap_transaction_rollback(True):
        prepare()
        built = 0
        for size in DESK_SIZES:
            started = perf_counter()
            grow(built, size - built)
            built = size
            rows.append(measure(size))
            print(f"{size} tickets: grown and swept in {perf_counter() - started:.1f} s", file=sys.stderr)
    header = ("tickets", "due", "acted", "index items", "index queries", "other reads")
    print(f"{header[0]:>8} {header[1]:>4} {header[2]:>6} {header[3]:>12} {header[4]:>14} {header[5]:>12}")
    for row in rows:
        print(
            f"{row['tickets']:>8} {row['due']:>4} {row['acted']:>6} {row['index_items']:>12} "
            f"{row['index_queries']:>14} {row['other_reads']:>12}"
        )
    verdict = "do not grow" if rows[0]["index_items"] == rows[-1]["index_items"] else "GROW"
    print(f"index items read per sweep {verdict} with the desk's size", file=sys.stderr)


def prepare() -> None:
    """The table, and the three built-in examples switched on."""
    from sportello.routing.settings import BUILTIN_AUTOMATIONS
    from sportello.store import models
    from sportello.store.routing import DynamoRoutingSettings

    models.create_table()
    for rule in BUILTIN_AUTOMATIONS:
        DynamoRoutingSettings().save_rule(replace(rule, enabled=True))


def grow(first: int, count: int) -> None:
    """`count` more tickets: 50 solved ten days ago (due), the rest due for nothing: most of them closed
    long ago, the others recent, or open (no automation looks at open tickets)."""
    from sportello.clock import utc_now
    from sportello.store import models
    from sportello.store.tickets import ticket_to_item
    from sportello.tickets.model import Channel, Priority, Requester, Status, Ticket

    now = utc_now()
    kinds = [
        (Status.CLOSED, timedelta(days=200), 0.5),
        (Status.SOLVED, timedelta(hours=30), 0.15),
        (Status.OPEN, timedelta(days=40), 0.15),
        (Status.NEW, timedelta(minutes=20), 0.1),
        (Status.PENDING, timedelta(minutes=30), 0.1),
    ]
    ages: list[tuple[Status, timedelta]] = [(Status.SOLVED, timedelta(days=10))] * DUE
    for status, age, share in kinds:
        ages += [(status, age)] * round((count - DUE) * share)
    with models.TicketItem.batch_write() as batch:
        for number, (status, age) in enumerate(ages[:count], start=first + 1):
            moment: datetime = now - age - timedelta(seconds=number)
            ticket = Ticket(
                number=number,
                subject=f"Request {number}",
                status=status,
                priority=Priority.NORMAL,
                channel=Channel.EMAIL,
                requester=Requester(f"c{number}", f"Customer {number}", f"c{number}@example.org"),
                language="en",
                created_at=moment,
                updated_at=moment,
            )
            batch.save(ticket_to_item(ticket))


def measure(size: int) -> dict[str, Any]:
    """One sweep through the real handler, counting what it asks the table."""
    from automations.handler import handler
    from pynamodb.connection.base import Connection

    from infra.constants import AUTOMATIONS_FUNCTION
    from infra.local.events import LambdaContext, scheduled_event

    reads: Counter[str] = Counter()
    original = Connection.dispatch

    def counting(self: Connection, operation_name: str, operation_kwargs: dict[str, Any]) -> dict[str, Any]:
        data = original(self, operation_name, operation_kwargs)
        if operation_name == "Query" and operation_kwargs.get("IndexName"):
            reads["index_queries"] += 1
            reads["index_items"] += int(data.get("Count", 0))
        elif operation_name in ("GetItem", "Query", "BatchGetItem", "Scan"):
            reads[operation_name] += 1
        return data

    Connection.dispatch = counting  # type: ignore[method-assign]
    try:
        result = handler(scheduled_event(), LambdaContext(AUTOMATIONS_FUNCTION))
    finally:
        Connection.dispatch = original  # type: ignore[method-assign]
    assert reads["Scan"] == 0
    return {
        "tickets": size,
        "due": DUE,
        "acted": result["acted"],
        "index_items": reads["index_items"],
        "index_queries": reads["index_queries"],
        "other_reads": reads["GetItem"] + reads["Query"] + reads["BatchGetItem"],
    }


if __name__ == "__main__":
    main()
