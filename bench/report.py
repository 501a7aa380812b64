"""The peer's published figures, and the run printed as tables."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from bench.workload import PEER_DIR

Print = Callable[[str], None]


def peer_figures(n: int) -> dict[str, Any]:
    """django-helpdesk's ingest figures for the same N: its results JSON if present, else its README."""
    path = PEER_DIR / "results" / f"ingest_n{n}.json"
    if path.exists():
        data = json.loads(path.read_text())
        latency = data.get("per_mail_latency_ms", {})
        return {
            "source": str(path),
            "mails_per_s": data.get("emails_per_s"),
            "p50_ms": latency.get("p50"),
            "p95_ms": latency.get("p95"),
            "replies_by_kind": data.get("replies_by_kind"),
        }
    readme = (PEER_DIR / "README.md").read_text()
    rate = re.search(r"about (\d+)\s*[\N{EN DASH}-]\s*(\d+) emails/s", readme)
    median = re.search(r"(\d+) ms median per mail", readme)
    refs_only = re.search(r"[^;:]*all became new tickets", readme)
    return {
        "source": f"{PEER_DIR / 'README.md'} (no results/ingest_n{n}.json on this machine; N=200 and 1000)",
        "mails_per_s": f"{rate[1]}\N{EN DASH}{rate[2]}" if rate else None,
        "p50_ms": int(median[1]) if median else None,
        "p95_ms": None,
        "threading": " ".join(refs_only[0].split()) if refs_only else None,
    }


# (heading, width, where the value sits in a phase's timing)
COLUMNS: list[tuple[str, int, tuple[str, ...]]] = [
    ("mails", 6, ("mails",)),
    ("mails/s", 9, ("mails_per_s",)),
    ("p50 ms", 9, ("per_mail_ms", "p50")),
    ("p95 ms", 9, ("per_mail_ms", "p95")),
    ("AWS calls", 10, ("aws_calls_per_mail",)),
    ("AWS share", 10, ("aws_share_of_mail_time",)),
    ("outside-AWS p50", 16, ("outside_aws_ms", "p50")),
    ("outside-SDK p50", 16, ("outside_sdk_ms", "p50")),
    ("mails/s outside AWS", 20, ("mails_per_s_outside_aws",)),
]
LABEL_WIDTH = 23


def _cell(timing: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = timing
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return "-" if value is None else value


def _row(label: str, timing: dict[str, Any]) -> str:
    cells = "".join(f"{_cell(timing, path)!s:>{width}}" for _, width, path in COLUMNS)
    return f"{label:<{LABEL_WIDTH}}{cells}"


def print_timing(result: dict[str, Any], out: Print = print) -> None:
    out(f"{'phase':<{LABEL_WIDTH}}" + "".join(f"{heading:>{width}}" for heading, width, _ in COLUMNS))
    for name, timing in result["phases"].items():
        out(_row(name, timing))
    peer = result["peer"]
    as_timing = {
        "mails": result["N"],
        "mails_per_s": peer["mails_per_s"],
        "per_mail_ms": {"p50": peer["p50_ms"], "p95": peer["p95_ms"]},
    }
    out(_row("peer: django-helpdesk", as_timing))
    out(f"  peer figures from: {peer['source']}")
    out("  outside-AWS: a mail's time minus its round trips to moto; outside-SDK: minus whole botocore calls")


def print_threading(result: dict[str, Any], out: Print = print) -> None:
    threading = result["threading"]
    out(
        f"threading: {threading['correct']}/{threading['replies']} replies handled correctly "
        f"(reply on its original's ticket; auto-replies there or quarantined)"
    )
    for kind, k in threading["by_kind"].items():
        verdicts = ", ".join(f"{v} {n}" for v, n in k["verdicts"].items())
        out(f"  {kind:<14}{k['correct']:>4}/{k['sent']:<4} {100 * k['accuracy']:6.1f}%  {verdicts}")
        out(f"  {'':<14}{k['what']}; expected: {k['expected']}")
    for example in threading["failure_examples"]:
        out(
            f"  FAILED {example['kind']}: {example['verdict']} (expected #{example['expected_ticket']}, "
            f"filed on {example['filed_on_ticket']}): {example['headers']}"
        )
    peer_note = result["peer"].get("threading") or result["peer"].get("replies_by_kind")
    if peer_note:
        out(f"  peer: {peer_note}")


def print_result(result: dict[str, Any], out: Print = print) -> None:
    out("")
    out(
        f"Sportello ingest — N={result['N']} ({result['new_conversation_mails']} originals + "
        f"{result['reply_mails']} replies), seed {result['seed']}, desk ids in replies: "
        f"{result['desk_message_ids_in_replies']}"
    )
    print_timing(result, out)
    out(f"peak RSS: {result['peak_rss_mb']} MB")
    for phase in ("originals", "replies"):
        out(f"outcomes, {phase}: {result['outcomes'][phase]}")
    out(
        f"acknowledgements sent: {result['acknowledgements_sent']}; mails sent while ingesting replies: "
        f"{result['mails_sent_while_ingesting_replies']}"
    )
    for anomaly in result["anomalies"]:
        out(f"  ANOMALY {anomaly}")
    print_threading(result, out)
    out(f"moto transactions: {result['moto_transactions']}")
    out(f"caveat: {result['caveat']}")
