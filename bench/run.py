"""One benchmark run: originals through the real handler, then replies built from the desk's outbox.

Import only after `bench.environment.configure()` (it imports Sportello through `bench.desk`).
"""

from __future__ import annotations

import os
import platform
import resource
import subprocess
from collections.abc import Callable, Sequence
from email import policy
from email.parser import BytesHeaderParser
from importlib.metadata import version
from pathlib import Path
from tempfile import TemporaryDirectory
from time import perf_counter
from typing import Any

from bench.awsclock import AwsClock, timing_aws_calls
from bench.desk import Desk, running_desk
from bench.environment import PROJECT_ROOT
from bench.metrics import Phase, ReplyOutcome, Sample, combine, threading, timing
from bench.motoshim import cheap_transaction_rollback
from bench.workload import Acknowledgement, Mail, Workload, split
from sportello.email.parsing import normalise_message_id

Progress = Callable[[str], None]
SHOWN_HEADERS = ("From", "To", "Subject", "Message-ID", "In-Reply-To", "References", "Auto-Submitted")
CAVEAT = (
    "moto's in-process AWS is pure Python: each call costs milliseconds (aws_ms_per_call_by_operation), "
    "and a Query on a global secondary index scans the whole table, so it slows as the table grows; "
    "DynamoDB itself answers in single-digit milliseconds at any size. mails/s here is a floor, not a "
    "production figure, and it falls as N grows. outside_aws_ms is a mail's time minus its round trips "
    "to moto (botocore Endpoint.make_request); outside_sdk_ms also leaves out botocore's client-side "
    "work: what remains is Sportello, Powertools and building the simulated SES event."
)


def ingest(desk: Desk, clock: AwsClock, name: str, mails: Sequence[Mail], progress: Progress) -> Phase:
    phase = Phase(name)
    calls_before, seconds_before = clock.calls.copy(), dict(clock.seconds_by_call)
    step = max(1, len(mails) // 10)
    start = perf_counter()
    for done, mail in enumerate(mails, start=1):
        before = clock.reading()
        began = perf_counter()
        report = desk.receive(mail.raw)
        wall = perf_counter() - began
        aws = clock.since(before)
        phase.samples.append(
            Sample(wall, aws.seconds, aws.sdk_seconds, aws.calls, report["result"], report["ticket"])
        )
        if done % step == 0 or done == len(mails):
            elapsed = perf_counter() - start
            progress(f"  {name}: {done}/{len(mails)} mails, {done / elapsed:.1f} mails/s")
    phase.wall_s = perf_counter() - start
    phase.calls_by_operation = clock.calls - calls_before
    phase.seconds_by_operation = {
        op: clock.seconds_by_call[op] - seconds_before.get(op, 0.0) for op in phase.calls_by_operation
    }
    return phase


def acknowledged(
    desk: Desk, originals: Sequence[Mail], phase: Phase
) -> tuple[dict[str, Acknowledgement], list[str]]:
    """Each acknowledged original's Message-ID -> its acknowledgement; and what did not add up."""
    sent = desk.acknowledgements()
    acks: dict[str, Acknowledgement] = {}
    anomalies = []
    for mail, sample in zip(originals, phase.samples, strict=True):
        ack = sent.get(normalise_message_id(mail.message_id) or "")
        if ack is None:
            anomalies.append(f"original {mail.message_id}: {sample.result}, no acknowledgement sent")
        elif ack.ticket != sample.ticket:
            anomalies.append(f"original {mail.message_id}: ticket {sample.ticket}, acknowledged as {ack}")
        else:
            acks[mail.message_id] = ack
    return acks, anomalies


def reply_outcomes(desk: Desk, replies: Sequence[Mail], phase: Phase) -> list[ReplyOutcome]:
    outcomes = []
    for mail, sample in zip(replies, phase.samples, strict=True):
        assert mail.expected_ticket is not None
        outcomes.append(
            ReplyOutcome(
                mail.kind,
                mail.expected_ticket,
                sample.result,
                sample.ticket,
                desk.ticket_of(mail.message_id),
                _headers(mail.raw),
            )
        )
    return outcomes


def _headers(raw: bytes) -> dict[str, str]:
    parsed = BytesHeaderParser(policy=policy.default).parsebytes(raw)
    return {name: str(parsed[name]) for name in SHOWN_HEADERS if parsed[name] is not None}


def peak_rss_mb() -> float:
    # Linux reports ru_maxrss in KiB.
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run(
    n: int, seed: int, desk_ids: bool, stock_moto: bool = False, progress: Progress = print
) -> dict[str, Any]:
    originals_n, replies_n = split(n)
    # Other work on the machine slows every figure: the load average says how busy it was.
    load_at_start = os.getloadavg()[0]
    with (
        cheap_transaction_rollback(enabled=not stock_moto) as moto_transactions,
        TemporaryDirectory(prefix="sportello-bench-") as tmp,
        timing_aws_calls() as clock,
        running_desk() as desk,
    ):
        workload = Workload(seed, Path(tmp))
        originals = workload.originals(originals_n)
        progress(f"phase 1: {originals_n} new-conversation mails")
        first = ingest(desk, clock, "originals", originals, progress)
        acks, anomalies = acknowledged(desk, originals, first)
        acks_sent = desk.sent_count()
        replies = workload.replies(replies_n, acks, desk_ids)
        progress(f"phase 2: {replies_n} replies")
        second = ingest(desk, clock, "replies", replies, progress)
        sent_during_replies = desk.sent_count() - acks_sent
        outcomes = reply_outcomes(desk, replies, second)
    phases = (first, second, combine("overall", (first, second)))
    return {
        "benchmark": "Sportello email_inbound Lambda handler, in-process moto (mock_aws)",
        "seed": seed,
        "N": n,
        "new_conversation_mails": originals_n,
        "reply_mails": replies_n,
        "desk_message_ids_in_replies": "as sent (outbox)" if desk_ids else "unknown (generator's own)",
        "input_bytes_total": sum(len(m.raw) for m in (*originals, *replies)),
        "caveat": CAVEAT,
        "moto_transactions": moto_transactions,
        "phases": {phase.name: timing(phase, workload.percentile) for phase in phases},
        "outcomes": {phase.name: phase.outcomes() for phase in phases},
        "acknowledgements_sent": acks_sent,
        "mails_sent_while_ingesting_replies": sent_during_replies,
        "anomalies": anomalies,
        "threading": threading(outcomes),
        "peak_rss_mb": peak_rss_mb(),
        "platform": _platform(),
        "load_average_1m": {"start": round(load_at_start, 2), "end": round(os.getloadavg()[0], 2)},
    }


def _platform() -> dict[str, Any]:
    return {
        "sportello_commit": _git("rev-parse", "--short", "HEAD"),
        # Uncommitted changes under the code that ran would make the commit alone misleading.
        "sportello_tree_dirty": bool(_git("status", "--porcelain", "--", "layers", "functions", "infra")),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        **{name: version(name) for name in ("moto", "boto3", "pynamodb", "aws-lambda-powertools")},
    }


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout.strip()
