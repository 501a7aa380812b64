"""A record of input we could not turn into tickets. The raw object stays where it was stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class QuarantineRecord:
    id: str
    received_at: datetime
    reason: str
    raw_key: str
    channel: str
    sender: str | None = None
    subject: str | None = None
