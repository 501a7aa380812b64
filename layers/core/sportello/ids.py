"""Identifiers: random, URL-safe, sortable enough for humans to tell apart."""

from __future__ import annotations

import uuid


def new_id() -> str:
    return uuid.uuid4().hex


def stable_id(seed: str) -> str:
    """The same id for the same input, every time: what a retry writes lands where the first try did."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"sportello:{seed}").hex
