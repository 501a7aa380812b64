"""What every Lambda entry point wears: structured logs always, X-Ray tracing only when switched on.

Powertools' `Tracer()` imports the X-Ray SDK as soon as it is built, even when tracing is disabled, and
that import is a good part of a cold start; so the tracer is only built where the deployment asked for
tracing (`-c tracing=true` sets `SPORTELLO_TRACING` and turns on active tracing for every function).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger

from .names import ENV_TRACING

# Entry points are called by the Lambda runtime only; their exact signature is of no use to it.
Handler = Callable[..., Any]


def tracing_enabled() -> bool:
    return os.environ.get(ENV_TRACING, "").strip().lower() in ("1", "true", "yes")


def lambda_entry(logger: Logger, correlation_id_path: str | None = None) -> Callable[[Handler], Handler]:
    """Decorates a handler: the Lambda context and a correlation id in every log line, traced if enabled."""

    def decorate(handler: Handler) -> Handler:
        wrapped = handler
        if tracing_enabled():
            from aws_lambda_powertools import Tracer

            wrapped = Tracer().capture_lambda_handler(wrapped)
        return logger.inject_lambda_context(correlation_id_path=correlation_id_path)(wrapped)

    return decorate
