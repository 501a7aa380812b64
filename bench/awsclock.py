"""Time spent in AWS calls, so the domain's own cost can be told apart from moto's.

Every boto3 and PynamoDB call goes through botocore's `Endpoint.make_request`, and moto answers from
inside it (a `before-send` hook): wrapping that one method times the whole round trip without a profiler.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from time import perf_counter
from typing import Any

from botocore.endpoint import Endpoint


@dataclass
class AwsClock:
    seconds: float = 0.0
    calls: Counter[str] = field(default_factory=Counter)
    seconds_by_call: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    _depth: int = 0

    def snapshot(self) -> tuple[float, int]:
        return self.seconds, self.calls.total()


@contextmanager
def timing_aws_calls() -> Iterator[AwsClock]:
    clock = AwsClock()
    original = Endpoint.make_request

    def timed(endpoint: Endpoint, operation_model: Any, request_dict: Any) -> Any:
        clock._depth += 1
        start = perf_counter()
        try:
            return original(endpoint, operation_model, request_dict)
        finally:
            clock._depth -= 1
            # A call made while answering another (none today) must not be counted twice.
            if clock._depth == 0:
                elapsed = perf_counter() - start
                name = f"{operation_model.service_model.service_name}:{operation_model.name}"
                clock.seconds += elapsed
                clock.calls[name] += 1
                clock.seconds_by_call[name] += elapsed

    Endpoint.make_request = timed  # type: ignore[method-assign,assignment]
    try:
        yield clock
    finally:
        Endpoint.make_request = original  # type: ignore[method-assign]
