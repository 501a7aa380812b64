"""The workload: the peer benchmark's own mail generator, so both desks ingest the same mails.

The generator lives in `../shared/peer/bench_ingest.py` and is loaded from there, not copied: a change
to the peer's workload is then a change to ours. Only its stdlib-level definitions are used; the Django
parts are imported inside its functions, which we never call.
"""

from __future__ import annotations

import importlib.util
import random
import re
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from bench.environment import PROJECT_ROOT

PEER_DIR = PROJECT_ROOT.parent / "shared" / "peer"
GENERATOR = PEER_DIR / "bench_ingest.py"
# Same split and start date as the peer's run_ingest: 30% of N are replies, sent after the originals.
REPLY_FRACTION = 0.3
BASE_DATE = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)
# generate_replies() invents the desk's Message-ID as make_msgid(idstring=f"ack{i}", domain=...).
PLACEHOLDER_DOMAIN = b"helpdesk.example"
# Reply kinds whose headers carry that invented id (irt_own answers the customer's own mail).
KINDS_CITING_THE_DESK = frozenset({"tag_reply", "tag_autoreply", "refs_only"})


@dataclass(frozen=True)
class Acknowledgement:
    """What the desk sent for one original: the ticket it opened, the subject and the Message-ID."""

    ticket: int
    subject: str
    message_id: str


@dataclass(frozen=True)
class Mail:
    raw: bytes
    message_id: str
    kind: str
    expected_ticket: int | None = None


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("peer_bench_ingest", GENERATOR)
    if spec is None or spec.loader is None:
        raise FileNotFoundError(f"the peer's generator is missing: {GENERATOR}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if "django" in sys.modules:
        raise RuntimeError(f"{GENERATOR} imported Django at module level: the workload needs only stdlib")
    return module


def split(n: int) -> tuple[int, int]:
    """(originals, replies) for N mails, as the peer splits them."""
    replies = round(n * REPLY_FRACTION)
    return n - replies, replies


class Workload:
    """Drives the generator in the peer's order, on one seeded random stream, into `outdir`."""

    def __init__(self, seed: int, outdir: Path) -> None:
        self._generator = load_generator()
        self._random = random.Random(seed)
        self._outdir = outdir
        self._originals: list[dict[str, Any]] = []

    def percentile(self, values: list[float], p: float) -> float:
        """The peer's own percentile (nearest rank), so medians and p95s compare like for like."""
        return float(self._generator.pct(values, p))

    def originals(self, count: int) -> list[Mail]:
        folder = self._folder("originals")
        self._originals = list(
            self._generator.generate_originals(self._random, count, str(folder), BASE_DATE)
        )
        return [
            Mail(_read(folder / f"new-{i:05d}.eml"), meta["msgid"], "new")
            for i, meta in enumerate(self._originals)
        ]

    def replies(self, count: int, acks: dict[str, Acknowledgement], desk_ids: bool) -> list[Mail]:
        """Replies to the originals that were acknowledged, built from the desk's real acknowledgements.

        acks maps each original's Message-ID to its acknowledgement. With desk_ids, the generator's
        invented desk Message-ID is replaced by the one the desk really sent, as a mail client would
        quote it; without, it stays unknown to the desk (as with SES, which rewrites Message-ID).
        """
        folder = self._folder("replies")
        subjects = {msgid: (ack.ticket, ack.subject) for msgid, ack in acks.items()}
        metas = self._generator.generate_replies(
            self._random, count, self._originals, subjects, str(folder), BASE_DATE
        )
        by_ticket = {ack.ticket: ack for ack in acks.values()}
        mails = []
        for index, meta in enumerate(metas):
            raw = _read(folder / f"reply-{index:05d}.eml")
            if desk_ids and meta["kind"] in KINDS_CITING_THE_DESK:
                raw = _cite_desk_id(raw, index, by_ticket[meta["expected_ticket"]].message_id)
            mails.append(Mail(raw, meta["msgid"], meta["kind"], meta["expected_ticket"]))
        return mails

    def _folder(self, name: str) -> Path:
        folder = self._outdir / name
        folder.mkdir(parents=True, exist_ok=True)
        return folder


def _read(path: Path) -> bytes:
    return path.read_bytes()


def _cite_desk_id(raw: bytes, index: int, message_id: str) -> bytes:
    """Puts the desk's real Message-ID where the generator put its invented one (headers only)."""
    placeholder = re.compile(rb"<[^<>\s]*\.ack%d@%s>" % (index, re.escape(PLACEHOLDER_DOMAIN)))
    head, separator, body = raw.partition(b"\n\n")
    head, replaced = placeholder.subn(b"<" + message_id.encode() + b">", head)
    if not replaced:
        raise ValueError(f"reply {index}: the generator's desk Message-ID was not found in its headers")
    return head + separator + body
