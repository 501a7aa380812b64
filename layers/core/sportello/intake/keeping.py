"""What every intake does alike: keep attachments beside the message, quarantine what it cannot use."""

from __future__ import annotations

import hashlib
from datetime import datetime

from ..config import ATTACHMENTS_PREFIX
from ..ports import BlobStore
from ..quarantine import Quarantine, QuarantineRecord
from ..tickets.model import AttachmentRef

MAX_REASON_LENGTH = 1000
MAX_SUBJECT_LENGTH = 250


def safe_filename(filename: str, index: int) -> str:
    """A name that cannot climb out of the message's folder; a blank one gets a neutral name."""
    cleaned = filename.replace("/", "_").replace("\\", "_").strip()
    return cleaned or f"attachment-{index}"


def keep_attachment(
    blobs: BlobStore,
    message_id: str,
    index: int,
    filename: str,
    content_type: str,
    content: bytes,
    *,
    content_id: str | None = None,
    inline: bool = False,
) -> AttachmentRef:
    """Stores one attachment of a message under `attachments/<message>/<n>-<name>` (n from 1)."""
    name = safe_filename(filename, index)
    key = f"{ATTACHMENTS_PREFIX}{message_id}/{index}-{name}"
    blobs.put(key, content, content_type)
    return AttachmentRef(
        f"{message_id}-{index}", name, content_type, len(content), key, content_id=content_id, inline=inline
    )


def quarantine_raw(
    quarantine: Quarantine,
    raw_key: str,
    reason: str,
    channel: str,
    at: datetime,
    sender: str | None = None,
    subject: str | None = None,
    *,
    part: int | None = None,
) -> QuarantineRecord:
    """Records why the raw input kept at `raw_key` made no ticket; the same input lands on one record.

    `part` numbers one unreadable part of an input whose other parts were used: each part gets a
    record of its own, and a redelivery of the same input lands on the same records again.
    """
    identity = raw_key if part is None else f"{raw_key}#{part}"
    record = QuarantineRecord(
        id=hashlib.sha256(identity.encode()).hexdigest()[:32],
        received_at=at,
        reason=reason[:MAX_REASON_LENGTH],
        raw_key=raw_key,
        channel=channel,
        sender=sender,
        subject=subject[:MAX_SUBJECT_LENGTH] if subject is not None else None,
    )
    quarantine.add(record)
    return record
