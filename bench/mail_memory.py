"""Peak memory of one inbound mail through the real `EmailReceiver`, by the mail's size.

SES accepts mails of up to 40 MB; the email_inbound function must process the largest with room to
spare (its memory is set in `infra/constructs/email.py`). Each size runs in a fresh Python process, so
the peak resident set it reports (`resource.getrusage`) is that mail's alone:

    .venv/bin/python -m bench.mail_memory                 # 1, 10 and 40 MB
    .venv/bin/python -m bench.mail_memory --sizes 5 20    # other sizes, in MB

The mail (four random, base64-encoded attachments and a short text) is built by the parent and written to
a file; the child reads it into the in-memory blob store, as the function reads the raw mail from S3,
notes its peak so far (interpreter, imports, the raw mail), then runs `EmailReceiver.receive` on the fakes
of `tests/fakes.py`. The fake blob store keeps every attachment it is given for the whole run, where S3
would have the bytes once uploaded: the figures err on the high side.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
from email.message import EmailMessage
from pathlib import Path
from typing import Any

MIB = 1024 * 1024
DEFAULT_SIZES_MB = (1, 10, 40)
ATTACHMENTS = 4
RAW_KEY = "inbound/bench-mail"


def build_mail(size_mb: float) -> bytes:
    """A mail of about `size_mb` MB: base64 makes each attachment 4/3 of its bytes on the wire."""
    mail = EmailMessage()
    mail["From"] = "Mario Rossi <mario@example.org>"
    mail["To"] = "support@desk.example.com"
    mail["Subject"] = f"Documents ({size_mb} MB)"
    mail["Message-ID"] = f"<bench-{size_mb}@example.org>"
    mail.set_content("Buongiorno, in allegato i documenti richiesti.")
    each = int(size_mb * MIB * 3 / 4 / ATTACHMENTS)
    for index in range(ATTACHMENTS):
        mail.add_attachment(
            os.urandom(each), maintype="application", subtype="octet-stream", filename=f"part-{index}.bin"
        )
    return mail.as_bytes()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def measure(path: Path) -> dict[str, Any]:
    """In the child: the receiver's real path over one mail, with the peaks before and after."""
    from sportello.email.tokens import ReplyTokens
    from sportello.intake.email import EmailReceiver, Verdicts
    from tests.fakes import InMemoryBlobStore, InMemoryQuarantine
    from tests.unit.intake.builders import MAIL_DOMAIN, SUPPORT, Desk

    desk = Desk()
    blobs = InMemoryBlobStore()
    tokens = ReplyTokens("bench-reply-secret", MAIL_DOMAIN)
    receiver = EmailReceiver(desk.service, InMemoryQuarantine(), blobs, tokens, (SUPPORT,), desk.clock)
    raw = path.read_bytes()
    blobs.put(RAW_KEY, raw, "message/rfc822")
    size = len(raw)
    del raw
    gc.collect()
    before = peak_rss_mb()
    passed = Verdicts(spam="PASS", virus="PASS", spf="PASS", dkim="PASS", dmarc="PASS")
    report = receiver.receive(RAW_KEY, passed)
    after = peak_rss_mb()
    return {
        "mail_mb": round(size / MIB, 1),
        "before_mb": round(before, 1),
        "peak_mb": round(after, 1),
        "added_mb": round(after - before, 1),
        "added_per_mail_mb": round((after - before) / (size / MIB), 2),
        "result": str(report.result),
    }


def _child(*arguments: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "bench.mail_memory", *arguments], check=True, capture_output=True, text=True
    )
    return done.stdout


def run(size_mb: float) -> dict[str, Any]:
    # Linux keeps a process's peak RSS across exec, so the parent stays small: building the mail happens
    # in a child of its own, and the measuring child starts from the parent's small peak.
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mail.eml"
        _child("--build", str(size_mb), str(path))
        output = _child("--measure", str(path))
    measured: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=float, nargs="+", default=DEFAULT_SIZES_MB, help="mail sizes in MB")
    parser.add_argument("--build", nargs=2, help=argparse.SUPPRESS)  # a child: SIZE PATH
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # a child: PATH
    arguments = parser.parse_args()
    if arguments.build is not None:
        size, path = arguments.build
        Path(path).write_bytes(build_mail(float(size)))
        return
    if arguments.measure is not None:
        print(json.dumps(measure(arguments.measure)))
        return
    print(f"{'mail MB':>8} {'before MB':>10} {'peak MB':>8} {'added MB':>9} {'added/mail':>11}  result")
    for size in arguments.sizes:
        row = run(size)
        print(
            f"{row['mail_mb']:>8} {row['before_mb']:>10} {row['peak_mb']:>8} {row['added_mb']:>9} "
            f"{row['added_per_mail_mb']:>11}  {row['result']}"
        )


if __name__ == "__main__":
    main()
