"""Time spent in AWS calls, so the domain's own cost can be told apart from moto's.

Every boto3 and PynamoDB call goes through botocore's `BaseClient._make_api_call` (validation,
serialisation, signing) and then `Endpoint.make_request`, inside which moto answers (a `before-send`
hook). Wrapping those two methods times both layers without a profiler:
- `seconds`: in `Endpoint.make_request`, the request's round trip to moto (what the network and
  DynamoDB would cost in AWS);
- `sdk_seconds`: in the whole client call, botocore's own client-side work included.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from time import perf_counter
from typing import Any
from unittest import mock

from botocore.client import BaseClient
from botocore.endpoint import Endpoint


@dataclass(frozen=True)
class Reading:
    seconds: float
    sdk_seconds: float
    calls: int


@dataclass
class AwsClock:
    seconds: float = 0.0
    sdk_seconds: float = 0.0
    calls: Counter[str] = field(default_factory=Counter)
    seconds_by_call: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))

    def reading(self) -> Reading:
        return Reading(self.seconds, self.sdk_seconds, self.calls.total())

    def since(self, before: Reading) -> Reading:
        now = self.reading()
        return Reading(
            now.seconds - before.seconds, now.sdk_seconds - before.sdk_seconds, now.calls - before.calls
        )

    def add_request(self, name: str, elapsed: float) -> None:
        self.seconds += elapsed
        self.calls[name] += 1
        self.seconds_by_call[name] += elapsed

    def add_sdk_call(self, elapsed: float) -> None:
        self.sdk_seconds += elapsed


def _outermost(on_done: Callable[[tuple[Any, ...], float], None]) -> Callable[[Any], Any]:
    """Wraps a method so that only outermost calls are timed: a call made while answering another
    (none today) must not be counted twice."""

    def decorate(original: Any) -> Any:
        depth = 0

        def timed(*args: Any) -> Any:
            nonlocal depth
            depth += 1
            start = perf_counter()
            try:
                return original(*args)
            finally:
                depth -= 1
                if depth == 0:
                    on_done(args, perf_counter() - start)

        return timed

    return decorate


@contextmanager
def timing_aws_calls() -> Iterator[AwsClock]:
    clock = AwsClock()

    def request_done(args: tuple[Any, ...], elapsed: float) -> None:
        operation = args[1]  # (endpoint, operation_model, request_dict)
        clock.add_request(f"{operation.service_model.service_name}:{operation.name}", elapsed)

    with ExitStack() as stack:
        for owner, name, done in (
            (Endpoint, "make_request", request_done),
            (BaseClient, "_make_api_call", lambda _args, elapsed: clock.add_sdk_call(elapsed)),
        ):
            stack.enter_context(mock.patch.object(owner, name, _outermost(done)(getattr(owner, name))))
        yield clock
