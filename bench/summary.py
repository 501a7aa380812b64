"""One closing line for `make bench`: `python -m bench.summary bench/results/ingest-*.json`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def describe(result: dict[str, Any]) -> str:
    overall = result["phases"]["overall"]
    threading = result["threading"]
    return (
        f"N={result['N']}: {overall['mails_per_s']} mails/s, p50 {overall['per_mail_ms']['p50']} ms "
        f"({overall['outside_aws_ms']['p50']} ms outside AWS), "
        f"threading {threading['correct']}/{threading['replies']}"
    )


def main(paths: list[str]) -> None:
    results = [json.loads(Path(path).read_text()) for path in paths]
    if not results:
        raise SystemExit("usage: python -m bench.summary RESULT.json...")
    peer = results[0]["peer"]
    print(
        "==> bench done (in-process moto: a floor, see bench/README.md): "
        + "; ".join(describe(result) for result in results)
        + f"; peer django-helpdesk {peer['mails_per_s']} mails/s, p50 {peer['p50_ms']} ms"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
