"""The one way to retry a read-modify-write that lost a race."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from .errors import ConflictError

T = TypeVar("T")
DEFAULT_ATTEMPTS = 5


def retry_on_conflict(
    attempt: Callable[[], T],
    *,
    gave_up: str,
    attempts: int = DEFAULT_ATTEMPTS,
    conflicts: tuple[type[Exception], ...] = (ConflictError,),
) -> T:
    """Runs `attempt` (which must re-read what it changes) until no other writer got in between.

    After `attempts` lost races it raises ConflictError(gave_up): the caller may try again later.
    """
    for _ in range(attempts):
        try:
            return attempt()
        except conflicts:
            continue
    raise ConflictError(gave_up)
