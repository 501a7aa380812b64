"""Message bodies too large for a table item: kept whole in the blob store, the message keeps a preview.

A DynamoDB item holds at most 400 KB, and a message item carries its plain text, its full text (quoted
history included) and its HTML. Each body over `INLINE_LIMIT_BYTES` is stored whole under
`bodies/<message id>/<field>` and the message keeps its first `PREVIEW_CHARACTERS` characters, naming the
field in `Message.stored_bodies`; the API links to the whole body. Nothing is refused and nothing is lost.
"""

from __future__ import annotations

from dataclasses import replace

from ..config import BODIES_PREFIX
from ..ports import BlobStore
from .model import Message

# Three bodies at the limit, a preview each and 50 attachments' metadata stay far below 400 KB.
INLINE_LIMIT_BYTES = 32 * 1024
PREVIEW_CHARACTERS = 4_000
BODY_CONTENT_TYPES = {
    "text": "text/plain; charset=utf-8",
    "full_text": "text/plain; charset=utf-8",
    "html": "text/html; charset=utf-8",
}


def body_key(message_id: str, field: str) -> str:
    return f"{BODIES_PREFIX}{message_id}/{field}"


def preview(body: str) -> str:
    return body[:PREVIEW_CHARACTERS]


class MessageBodies:
    """Decides which of a message's bodies stay in its item and keeps the others in the blob store."""

    def __init__(self, blobs: BlobStore, inline_limit_bytes: int = INLINE_LIMIT_BYTES) -> None:
        self._blobs = blobs
        self._inline_limit = inline_limit_bytes

    def keep(self, message: Message) -> Message:
        """The message as its item stores it: each body over the limit stored whole, a preview kept.

        The keys derive from the message id and the field, so a retried write overwrites, never piles up.
        """
        previews: dict[str, str | None] = {}
        for field, content_type in BODY_CONTENT_TYPES.items():
            body: str | None = getattr(message, field)
            if body is None or len(body.encode()) <= self._inline_limit:
                continue
            self._blobs.put(body_key(message.id, field), body.encode(), content_type)
            # Cut HTML is broken markup: the text preview stands in for it, the link has the whole.
            previews[field] = None if field == "html" else preview(body)
        if not previews:
            return message
        stored = tuple(dict.fromkeys((*message.stored_bodies, *previews)))
        return replace(message, stored_bodies=stored, **previews)  # type: ignore[arg-type]

    def whole(self, message: Message, field: str) -> str | None:
        """The complete body `field` of a message, wherever it is kept."""
        if field in message.stored_bodies:
            return self._blobs.get(body_key(message.id, field)).decode()
        body: str | None = getattr(message, field)
        return body
