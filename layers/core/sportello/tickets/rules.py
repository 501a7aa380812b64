"""Business rules on tickets, as pure functions."""

from __future__ import annotations

from .model import AuthorType, Status

# Which status an agent may move a ticket to from each status. "closed" is final: a customer who
# writes again gets a follow-up ticket instead, so the closed record (and its reports) never changes.
ALLOWED_TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.NEW: frozenset({Status.OPEN, Status.PENDING, Status.ON_HOLD, Status.SOLVED}),
    Status.OPEN: frozenset({Status.PENDING, Status.ON_HOLD, Status.SOLVED}),
    Status.PENDING: frozenset({Status.OPEN, Status.ON_HOLD, Status.SOLVED}),
    Status.ON_HOLD: frozenset({Status.OPEN, Status.PENDING, Status.SOLVED}),
    Status.SOLVED: frozenset({Status.OPEN, Status.CLOSED}),
    Status.CLOSED: frozenset(),
}


def can_transition(current: Status, target: Status) -> bool:
    return target == current or target in ALLOWED_TRANSITIONS[current]


def status_after_message(current: Status, author: AuthorType, public: bool) -> Status:
    """The status a new message implies when nobody sets one explicitly.

    A customer writing again reopens the ticket (the ball is back with us); an agent's first public
    reply moves a new ticket to open. Internal notes and system messages never change the status.
    """
    if author is AuthorType.CUSTOMER and current in (Status.PENDING, Status.SOLVED, Status.NEW):
        return Status.OPEN if current is not Status.NEW else Status.NEW
    if author is AuthorType.AGENT and public and current is Status.NEW:
        return Status.OPEN
    return current


def accepts_customer_reply(current: Status) -> bool:
    """Closed tickets are frozen; a reply to one starts a follow-up ticket."""
    return current is not Status.CLOSED
