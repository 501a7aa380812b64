"""Every real-world mail in ../shared/corpus/email/ through the real handler: none is lost.

Each must end as a new ticket, a reply on a ticket, a system event or a quarantine record (with its
raw mail kept) — and the store must hold exactly what the reports say.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from sportello.app import sportello
from sportello.tickets.model import Status
from sportello.tickets.ports import TicketQuery
from tests.conftest import CORPUS

from .mail import deliver

OUTCOMES = {"ticket_created", "reply_added", "follow_up", "system_event", "quarantined", "duplicate"}


def corpus_mails() -> list[Path]:
    return sorted(
        path
        for path in (CORPUS / "email").rglob("*")
        if path.is_file() and not path.name.endswith(".md") and "README" not in path.name
    )


def _all_tickets() -> list[int]:
    numbers: list[int] = []
    for bucket_status in (None, Status.SOLVED):
        cursor = None
        while True:
            page = sportello().tickets.find(TicketQuery(status=bucket_status, cursor=cursor, limit=100))
            numbers += [t.number for t in page.items]
            cursor = page.next_cursor
            if cursor is None:
                break
    return numbers


def test_every_corpus_mail_is_accounted_for(cloud):
    mails = corpus_mails()
    assert len(mails) > 200, "the shared corpus is missing"

    reports = {
        path: deliver(cloud, path.read_bytes(), ses_id=f"corpus-{index}") for index, path in enumerate(mails)
    }

    outcomes = Counter(report["result"] for report in reports.values())
    print("\ncorpus outcomes:", dict(outcomes))
    assert set(outcomes) <= OUTCOMES
    assert sum(outcomes.values()) == len(mails)

    quarantined = sportello().quarantine.recent(limit=1000).items
    assert len(quarantined) == outcomes["quarantined"]
    for record in quarantined:
        kept = cloud.s3.get_object(Bucket=cloud.bucket, Key=record.raw_key)["Body"].read()
        assert kept is not None
        assert record.reason

    created = outcomes["ticket_created"] + outcomes["follow_up"]
    tickets = _all_tickets()
    assert len(tickets) == created
    messages = sum(len(sportello().tickets.history(n).messages) for n in tickets)
    assert messages == created + outcomes["reply_added"]
    # Real customer mail must mostly become tickets; quarantine is for the broken and the automatic.
    assert created > len(mails) * 0.4


def test_redelivering_the_whole_corpus_creates_nothing(cloud):
    mails = corpus_mails()[:60]
    first = [deliver(cloud, path.read_bytes(), ses_id=f"c-{i}") for i, path in enumerate(mails)]

    again = [deliver(cloud, path.read_bytes(), ses_id=f"c-{i}") for i, path in enumerate(mails)]

    created = sum(1 for report in first if report["result"] in {"ticket_created", "follow_up"})
    assert len(_all_tickets()) == created
    assert all(report["result"] in {"duplicate", "quarantined"} for report in again)
