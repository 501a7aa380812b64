"""Domain errors. Entry points map each to one response in one place."""

from __future__ import annotations


class DomainError(Exception):
    """Base for errors the caller can act on; the message is safe to show."""

    code = "error"


class NotFoundError(DomainError):
    code = "not_found"


class ConflictError(DomainError):
    """The item changed since the caller read it (optimistic locking)."""

    code = "conflict"


class InvalidRequestError(DomainError):
    """The request breaks a business rule or is malformed."""

    code = "invalid"


class ForbiddenError(DomainError):
    code = "forbidden"


class RateLimitedError(Exception):
    """Too many requests from one address: answer 429."""
