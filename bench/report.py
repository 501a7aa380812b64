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


def _row(cells: list[Any], widths: list[int]) -> str:
    first, *rest = cells
    return f"{first!s:<{widths[0]}}" + "".join(
        f"{'-' if c is None else c!s:>{w}}" for c, w in zip(rest, widths[1:], strict=True)
    )


def print_timing(result: dict[str, Any], out: Print = print) -> None:
    widths = [26, 7, 10, 9, 9, 18, 18, 11]
    out(
        _row(
            [
                "phase",
                "mails",
                "mails/s",
                "p50 ms",
                "p95 ms",
                "outside-AWS p50",
                "mails/s w/o AWS",
                "AWS calls",
            ],
            widths,
        )
    )
    for name, t in result["phases"].items():
        out(
            _row(
                [
                    name,
                    t["mails"],
                    t["mails_per_s"],
                    t["per_mail_ms"]["p50"],
                    t["per_mail_ms"]["p95"],
                    t["outside_aws_ms"]["p50"],
                    t["mails_per_s_outside_aws"],
                    t["aws_calls_per_mail"],
                ],
                widths,
            )
        )
    peer = result["peer"]
    out(
        _row(
            [
                "peer: django-helpdesk",
                result["N"],
                peer["mails_per_s"],
                peer["p50_ms"],
                peer["p95_ms"],
                None,
                None,
                None,
            ],
            widths,
        )
    )
    out(f"  peer figures from: {peer['source']}")


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
    out(f"caveat: {result['caveat']}")
