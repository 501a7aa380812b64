"""Cold start of every shipped function, as a ratio to `import boto3` in the same runtime and run.

The stack is synthesized with bundling on (infra.artefacts), so what is measured is what `cdk deploy`
uploads: the function code and the layers, precompiled as shipped, on the path in Lambda's order, in a
clean Python of the runtime's version holding only the runtime's boto3. Each round runs, in fresh
processes and in turn, `import boto3` and then each handler's import and module-level init; bytecode is
never written (Lambda's /opt is read-only), so nothing a round compiles helps the next. The ratio is taken
within each round, so a machine that speeds up or slows down between rounds does not skew it.

    python -m bench.coldstart [--rounds 7]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from infra.artefacts import LambdaRuntime, ShippedFunction, synthesize

GOAL = 1.5  # a handler's import and init may take at most 1.5 times `import boto3`
RESULTS = Path(__file__).parent / "results" / "coldstart.json"
IMPORT_BOTO3 = "import time; t = time.perf_counter(); import boto3; print(time.perf_counter() - t)"
ENVIRONMENT = {"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1", "PYTHONDONTWRITEBYTECODE": "1"}


@dataclass
class Ratios:
    function: str
    values: list[float] = field(default_factory=list)
    init_seconds: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.values)


def boto3_import_seconds(runtime: LambdaRuntime, function: ShippedFunction, workdir: Path) -> float:
    environment = runtime.environment(function, ENVIRONMENT, workdir)
    result = subprocess.run(
        [str(runtime.python), "-c", IMPORT_BOTO3], env=environment, capture_output=True, text=True, check=True
    )
    return float(result.stdout)


def measure(rounds: int) -> list[Ratios]:
    workdir = Path(tempfile.mkdtemp(prefix="coldstart-"))
    print("==> synthesizing the stack with bundling (the shipped artefacts)", file=sys.stderr)
    functions = synthesize(workdir / "cdk.out")
    runtime = LambdaRuntime().ensure()
    ratios = {function.name: Ratios(function.name) for function in functions}
    for round_number in range(1, rounds + 1):
        print(f"    round {round_number}/{rounds}", file=sys.stderr)
        for function in functions:
            baseline = boto3_import_seconds(runtime, function, workdir)
            init = runtime.invoke(function, None, ENVIRONMENT, workdir=workdir / function.name).init_seconds
            ratios[function.name].values.append(init / baseline)
            ratios[function.name].init_seconds.append(init)
    return list(ratios.values())


def report(results: list[Ratios], runtime: LambdaRuntime) -> bool:
    print(f"\ncold start: import and init of each handler / `import boto3` (Python {runtime.version})")
    print(f"{'function':<20}{'min':>8}{'median':>8}{'max':>8}   {'init ms (median)':>16}")
    for ratios in results:
        values = ratios.values
        init_ms = statistics.median(ratios.init_seconds) * 1000
        spread = f"{min(values):>8.2f}{ratios.median:>8.2f}{max(values):>8.2f}"
        print(f"{ratios.function:<20}{spread}   {init_ms:>16.0f}")
    over = [ratios.function for ratios in results if ratios.median > GOAL]
    verdict = f"over {GOAL}x: {', '.join(over)}" if over else f"every function within {GOAL}x"
    print(f"summary: {verdict}")
    return not over


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=7)
    arguments = parser.parse_args()
    results = measure(arguments.rounds)
    runtime = LambdaRuntime()
    report(results, runtime)
    RESULTS.parent.mkdir(exist_ok=True)
    document = {r.function: {"ratios": r.values, "init_seconds": r.init_seconds} for r in results}
    RESULTS.write_text(json.dumps({"python": runtime.version, "goal": GOAL, "functions": document}, indent=2))
    print(f"results written to {RESULTS}", file=sys.stderr)


if __name__ == "__main__":
    main()
