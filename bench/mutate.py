"""`make mutate`: mutation testing of the rule-bearing modules with mutmut, then the score and the survivors.

mutmut names a module after its file's path (stripping only a leading `src/`), while the tests import
the layer as `sportello`; so the run happens in `build/mutation/`, where the layer is staged as
`src/sportello` beside copies of the tests and of what they import. The modules mutated and the tests
run are `[tool.mutmut]` in pyproject.toml. See bench/mutation.md for the last score and why each
surviving mutant is harmless.

    python -m bench.mutate [--jobs N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGE = ROOT / "build" / "mutation"
MUTMUT = Path(sys.executable).with_name("mutmut")
# The functions that carry the rules issue 14 names (mutmut's names: module, then x_function or
# xǁClassǁmethod). The rest of these modules is parsing and plumbing, which the fuzz tests cover.
RULE_BEARING = tuple(
    f"sportello.{name}__mutmut_*"
    for name in (
        # ticket rules: transitions, the status a message implies, edits on a version, delivery states
        "tickets.rules.x_can_transition",
        "tickets.rules.x_status_after_message",
        "tickets.rules.x_accepts_customer_reply",
        "tickets.service.x_apply_changes",
        "tickets.service.xǁTicketServiceǁupdate",
        "tickets.service.xǁTicketServiceǁreceive",
        "tickets.service.xǁTicketServiceǁ_append_customer_message",
        "tickets.service.xǁTicketServiceǁopen_conversation",
        "tickets.service.xǁTicketServiceǁrecord_delivery",
        "tickets.service.xǁTicketServiceǁrecord_edit",
        # locking: a write that lost a race re-reads and retries
        "tickets.service.xǁTicketServiceǁ_save_with_retry",
        "retry.x_retry_on_conflict",
        # threading and sender trust; loop detection
        "intake.email.xǁEmailReceiverǁ_route",
        "intake.email.xǁEmailReceiverǁ_thread",
        "intake.email.xǁEmailReceiverǁ_is_requester",
        "email.autoreply.x_*",
        # signature verification
        "providers.meta.x_signature_for",
        "providers.meta.xǁMetaWebhookAdapterǁhandshake",
        "providers.meta.xǁMetaWebhookAdapterǁverify",
        "providers.slack.x_signature_for",
        "providers.slack.xǁSlackAdapterǁhandshake",
        "providers.slack.xǁSlackAdapterǁverify",
        "providers.slack.xǁSlackAdapterǁ_check_fresh",
        "providers.telegram.xǁTelegramAdapterǁverify",
        "providers.twilio.x_compute_signature",
        "providers.twilio.x_url_variants",
        "providers.twilio.x_verify_signature",
        "providers.twilio.x__signed_params",
        "providers.twilio.x_body_hash_in_url",
        # the messaging window
        "providers.whatsapp.x_customer_service_window_open",
        "outbound.messaging.xǁMessagingOutboundǁsend_reply",
    )
)
# What the unit tests import or read beside the layer; tests/ and pyproject.toml mutmut copies itself.
STAGED = ("tests", "functions", "infra", "web/src", "pyproject.toml")


def stage() -> None:
    """A fresh build/mutation/ with the layer as src/sportello and the shared corpus where tests look."""
    shutil.rmtree(STAGE, ignore_errors=True)
    (STAGE / "src").mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", ".hypothesis")
    shutil.copytree(ROOT / "layers" / "core" / "sportello", STAGE / "src" / "sportello", ignore=ignore)
    for name in STAGED:
        source = ROOT / name
        target = STAGE / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=ignore)
        else:
            shutil.copy2(source, target)
    # The tests find the corpus beside the project folder (tests/conftest.py CORPUS); mutmut runs them
    # from build/mutation/mutants/, so the corpus must be beside that too.
    (STAGE / "shared").symlink_to(ROOT.parent / "shared")


def mutmut(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(MUTMUT), *arguments], cwd=STAGE, text=True, capture_output=True, check=False, env=os.environ
    )


def report(seconds: float) -> int:
    """Prints every surviving mutant with its diff, then the score and the survivors' names."""
    stats = mutmut("export-cicd-stats")
    if stats.returncode != 0:
        print(stats.stdout + stats.stderr)
        return stats.returncode
    counts = json.loads((STAGE / "mutants" / "mutmut-cicd-stats.json").read_text())
    statuses = dict(
        line.strip().rsplit(": ", 1) for line in mutmut("results").stdout.splitlines() if ": " in line
    )
    survivors = sorted(name for name, status in statuses.items() if status == "survived")
    for name in survivors:
        print(mutmut("show", name).stdout)
    killed = counts["killed"] + counts["timeout"]
    judged = killed + counts["survived"]
    score = 100 * killed / judged if judged else 0.0
    print(f"==> mutation score {score:.1f}%: {killed} of {judged} mutants killed in {seconds / 60:.1f} min")
    print(f"    (mutmut's counts: {counts})")
    print(f"    {len(survivors)} surviving mutants{':' if survivors else ''}")
    for name in survivors:
        print(f"      {name}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="mutants tested at once")
    parser.add_argument(
        "names", nargs="*", help="mutants to run (mutmut's names or globs); default: the rules"
    )
    options = parser.parse_args()
    stage()
    started = time.monotonic()
    run = subprocess.run(
        [str(MUTMUT), "run", "--max-children", str(options.jobs), *(options.names or RULE_BEARING)],
        cwd=STAGE,
        check=False,
    )
    if run.returncode != 0:
        return run.returncode
    return report(time.monotonic() - started)


if __name__ == "__main__":
    sys.exit(main())
