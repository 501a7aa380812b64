"""Interfaces to the outside world. The domain depends on these; adapters implement them with boto3."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol


class BlobStore(Protocol):
    def put(self, key: str, content: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes: ...

    def download_url(self, key: str, filename: str, expires_seconds: int = 300) -> str: ...


@dataclass(frozen=True)
class OutboundMail:
    source: str
    destinations: tuple[str, ...]
    raw: bytes


class MailTransport(Protocol):
    def send(self, mail: OutboundMail) -> tuple[str, ...]:
        """Sends a complete RFC 5322 message; returns the Message-IDs it may reach the recipient with.

        SES, for one, replaces the Message-ID header with one of its own, which replies then quote.
        """
        ...


class WorkQueue(Protocol):
    """A queue whose consumer retries failures and then parks them in a dead-letter queue."""

    def send(self, body: Mapping[str, Any]) -> None: ...


class RateLimiter(Protocol):
    def allow(self, key: str, limit: int, window_seconds: int) -> bool:
        """Counts one use of `key` in the current window; False once the window's limit is passed."""
        ...


class Metrics(Protocol):
    """Counts for CloudWatch (names and dimensions: `sportello.metrics`). The adapter writes them in the
    embedded metric format when the invocation ends: log lines, no API call."""

    def count(self, name: str, dimensions: Mapping[str, str] | None = None, value: int = 1) -> None: ...
