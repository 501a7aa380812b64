"""Per-mail samples and what is computed from them: throughput, latency, threading accuracy."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

Percentile = Callable[[list[float], float], float]

AUTO_REPLY_KIND = "tag_autoreply"
# What each of the generator's reply kinds is, in words, and what a correct desk does with it.
REPLY_KINDS = {
    "irt_own": ("follow-up to own original (In-Reply-To: customer's Message-ID)", "on its ticket"),
    "tag_reply": ("Reply to the acknowledgement (subject [#N], In-Reply-To: desk id)", "on its ticket"),
    "refs_only": ("reply without subject tag, ids in In-Reply-To/References only", "on its ticket"),
    AUTO_REPLY_KIND: (
        "out-of-office auto-reply to the acknowledgement (Auto-Submitted)",
        "on its ticket or quarantined, never a new ticket",
    ),
}


@dataclass(frozen=True)
class Sample:
    """One mail: wall time of SES's S3 put + the handler call, and the parts spent in AWS calls."""

    wall_s: float
    aws_s: float  # round trips to moto (botocore Endpoint.make_request)
    sdk_s: float  # whole botocore client calls: aws_s plus client-side validation and serialisation
    aws_calls: int
    result: str
    ticket: int | None


@dataclass
class Phase:
    name: str
    wall_s: float = 0.0
    samples: list[Sample] = field(default_factory=list)
    calls_by_operation: Counter[str] = field(default_factory=Counter)
    seconds_by_operation: dict[str, float] = field(default_factory=dict)

    def outcomes(self) -> dict[str, int]:
        return dict(Counter(sample.result for sample in self.samples).most_common())


def combine(name: str, phases: Sequence[Phase]) -> Phase:
    combined = Phase(name)
    for phase in phases:
        combined.wall_s += phase.wall_s
        combined.samples += phase.samples
        combined.calls_by_operation.update(phase.calls_by_operation)
        for op, seconds in phase.seconds_by_operation.items():
            combined.seconds_by_operation[op] = combined.seconds_by_operation.get(op, 0.0) + seconds
    return combined


def _ms(value: float) -> float:
    return round(1000 * value, 2)


def timing(phase: Phase, percentile: Percentile) -> dict[str, Any]:
    walls = [s.wall_s for s in phase.samples]
    outside = [s.wall_s - s.aws_s for s in phase.samples]
    outside_sdk = [s.wall_s - s.sdk_s for s in phase.samples]
    count = len(walls)
    aws_total = sum(s.aws_s for s in phase.samples)
    return {
        "mails": count,
        "wall_s": round(phase.wall_s, 3),
        "mails_per_s": round(count / phase.wall_s, 2) if phase.wall_s else None,
        "per_mail_ms": {
            "p50": _ms(percentile(walls, 50)),
            "p95": _ms(percentile(walls, 95)),
            "max": _ms(max(walls)),
            "mean": _ms(sum(walls) / count),
        },
        "aws_calls_per_mail": round(sum(s.aws_calls for s in phase.samples) / count, 2),
        "aws_share_of_mail_time": round(aws_total / sum(walls), 3),
        # What is left when moto's time is taken out: parsing, threading, rendering, our own code.
        "outside_aws_ms": {
            "p50": _ms(percentile(outside, 50)),
            "p95": _ms(percentile(outside, 95)),
            "mean": _ms(sum(outside) / count),
        },
        "mails_per_s_outside_aws": round(count / sum(outside), 2),
        # Also without botocore's client-side work: Sportello, Powertools and the simulated SES event.
        "outside_sdk_ms": {
            "p50": _ms(percentile(outside_sdk, 50)),
            "p95": _ms(percentile(outside_sdk, 95)),
            "mean": _ms(sum(outside_sdk) / count),
        },
        "calls_per_mail_by_operation": {
            op: round(n / count, 2) for op, n in sorted(phase.calls_by_operation.items())
        },
        # Where moto's time goes: a call whose cost grows with the table shows up here first.
        "aws_ms_per_call_by_operation": {
            op: _ms(phase.seconds_by_operation[op] / n) for op, n in sorted(phase.calls_by_operation.items())
        },
    }


@dataclass(frozen=True)
class ReplyOutcome:
    kind: str
    expected: int
    result: str
    reported: int | None  # the ticket the handler's report names
    filed: int | None  # the ticket the store has the mail's Message-ID on
    headers: dict[str, str]

    @property
    def verdict(self) -> str:
        if self.result == "quarantined":
            return "quarantined"
        if self.result == "duplicate":
            return "duplicate"
        if self.result in ("ticket_created", "follow_up"):
            return "new_ticket"
        if self.filed == self.expected:
            return "on_expected_ticket"
        return "on_wrong_ticket" if self.filed is not None else "not_filed"

    @property
    def correct(self) -> bool:
        accepted = {"on_expected_ticket"}
        if self.kind == AUTO_REPLY_KIND:
            accepted.add("quarantined")
        return self.verdict in accepted


def threading(outcomes: Sequence[ReplyOutcome], examples_per_kind: int = 2) -> dict[str, Any]:
    by_kind: dict[str, dict[str, Any]] = {}
    failures: list[dict[str, Any]] = []
    for kind in sorted({o.kind for o in outcomes}):
        mine = [o for o in outcomes if o.kind == kind]
        correct = sum(o.correct for o in mine)
        what, expected = REPLY_KINDS.get(kind, (kind, "on its ticket"))
        by_kind[kind] = {
            "what": what,
            "expected": expected,
            "sent": len(mine),
            "correct": correct,
            "accuracy": round(correct / len(mine), 4),
            "verdicts": dict(Counter(o.verdict for o in mine).most_common()),
        }
        failures += [_failure(o) for o in mine if not o.correct][:examples_per_kind]
    correct = sum(o.correct for o in outcomes)
    return {
        "replies": len(outcomes),
        "correct": correct,
        "accuracy": round(correct / len(outcomes), 4) if outcomes else None,
        "report_vs_store_mismatches": sum(
            1 for o in outcomes if o.result == "reply_added" and o.reported != o.filed
        ),
        "by_kind": by_kind,
        "failure_examples": failures,
    }


def _failure(outcome: ReplyOutcome) -> dict[str, Any]:
    return {
        "kind": outcome.kind,
        "expected_ticket": outcome.expected,
        "verdict": outcome.verdict,
        "result": outcome.result,
        "reported_ticket": outcome.reported,
        "filed_on_ticket": outcome.filed,
        "headers": outcome.headers,
    }
