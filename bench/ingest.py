"""Email ingestion benchmark: `.venv/bin/python -m bench.ingest --n 200` from the repository root.

N mails from the peer's generator (70% new conversations, then 30% replies to them) go through the
real `email_inbound` handler under moto's in-process AWS, as SES would deliver them; see bench/README.md.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bench import environment


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=200, help="mails in all (originals + replies)")
    parser.add_argument("--seed", type=int, default=42, help="the generator's seed (the peer used 42)")
    parser.add_argument("--out", type=Path, help="result JSON (default bench/results/ingest-<n>.json)")
    parser.add_argument(
        "--unknown-desk-ids",
        action="store_true",
        help="keep the generator's invented desk Message-IDs in replies instead of the ones the desk "
        "sent: what customers quote when SES rewrites Message-ID, and what the peer was measured with",
    )
    parser.add_argument(
        "--stock-moto",
        action="store_true",
        help="without bench/motoshim.py: moto then copies the whole table per transaction (O(N^2) run)",
    )
    args = parser.parse_args(argv)
    if args.n < 4:
        parser.error("--n must be at least 4")
    return args


def default_out(args: argparse.Namespace) -> Path:
    # Variants get their own file, so a plain run's result is never overwritten by an ablation.
    suffix = "-unknown-desk-ids" if args.unknown_desk_ids else ""
    suffix += "-stock-moto" if args.stock_moto else ""
    return environment.PROJECT_ROOT / "bench" / "results" / f"ingest-{args.n}{suffix}.json"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    environment.configure()
    # Imported only now: Sportello reads its settings (and PynamoDB its table name) at import.
    from bench.report import peer_figures, print_result
    from bench.run import run

    result = run(args.n, args.seed, desk_ids=not args.unknown_desk_ids, stock_moto=args.stock_moto)
    result["peer"] = peer_figures(args.n)
    out: Path = args.out or default_out(args)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print_result(result)
    print(f"result written to {out}")
    return result


if __name__ == "__main__":
    main()
