"""One correlation id through a ticket's life: the id of the input that started the work in hand.

An intake knows a natural id for what it received (the SES message id of a mail, the SHA-256 of a
webhook's body, an API request's id); the entry point binds it for the duration of the work
(`bound`), queues carry it to the next function (the SQS adapter sends it as a message attribute), and
every ticket event created meanwhile keeps it (`Event.new` reads `current()`), so the table's stream
hands it to the ticket_events function and whatever subscribes there. Pure: no logging, no AWS.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

# The SQS message attribute (and the stored event's attribute) that carries the id between functions.
ATTRIBUTE = "correlation_id"
# SQS refuses a message attribute value over 256 KB and logs become unreadable long before: ids are short.
MAX_LENGTH = 200

_current: ContextVar[str | None] = ContextVar("sportello_correlation_id", default=None)


def current() -> str | None:
    """The id of the work in hand, or None outside any (a test, a script)."""
    return _current.get()


def clean(correlation_id: object) -> str | None:
    """A usable id from whatever was received (a queue attribute, a stored item): a short string or None."""
    if not isinstance(correlation_id, str):
        return None
    text = correlation_id.strip()
    return text[:MAX_LENGTH] or None


@contextmanager
def bound(correlation_id: str | None) -> Iterator[str | None]:
    """Makes `correlation_id` the current one inside the block (None: no id), then restores the previous."""
    token = _current.set(clean(correlation_id))
    try:
        yield _current.get()
    finally:
        _current.reset(token)
