"""Fixed-window rate limits on a counter item that expires by itself (DynamoDB TTL)."""

from __future__ import annotations

import time

from .models import RateCounterItem


class DynamoRateLimiter:
    def allow(self, key: str, limit: int, window_seconds: int) -> bool:
        """Counts one use of `key` in the current window; False once the window's limit is passed."""
        now = int(time.time())
        window = now // window_seconds
        counter = RateCounterItem(f"RATE#{key}", str(window))
        counter.update(
            actions=[
                RateCounterItem.uses.add(1),
                RateCounterItem.expires_at.set((window + 2) * window_seconds),
            ]
        )
        return int(counter.uses) <= limit
