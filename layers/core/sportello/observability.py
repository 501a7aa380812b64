"""What every Lambda entry point wears: structured logs always, X-Ray tracing only when switched on.

Powertools' `Tracer()` imports the X-Ray SDK as soon as it is built, even when tracing is disabled, and
that import is a good part of a cold start; so the tracer is only built where the deployment asked for
tracing (`-c tracing=true` sets `SPORTELLO_TRACING` and turns on active tracing for every function).

Logs are Powertools' JSON lines; the domain's own loggers (`sportello.*`) are children of the
Powertools logger (its name is the service name, `sportello`), so their lines are the same JSON with
the same keys. `correlated` puts one correlation id on all of them, and on the ticket events created
meanwhile (`sportello.correlation`). Metrics recorded during an invocation are written once it ends
(`sportello.adapters.metrics`: CloudWatch's embedded metric format, one log line, no API call).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from aws_lambda_powertools import Logger

from . import correlation
from .names import ENV_TRACING

# Entry points are called by the Lambda runtime only; their exact signature is of no use to it.
Handler = Callable[..., Any]
# The log key of the ticket a line is about, once it is known.
TICKET_KEY = "ticket"
# Where the SES receipt event keeps the mail's message id (the raw mail's S3 key ends with it).
SES_MESSAGE_ID = "Records[0].ses.mail.messageId"


def tracing_enabled() -> bool:
    return os.environ.get(ENV_TRACING, "").strip().lower() in ("1", "true", "yes")


@contextmanager
def correlated(logger: Logger, correlation_id: str | None, **keys: object) -> Iterator[str | None]:
    """Inside the block, log lines carry `correlation_id` (and `keys`), and new ticket events keep it.

    For one piece of work of an invocation (one mail, one queued message, one stream record); what
    was set before is restored afterwards, and the ticket key (`TICKET_KEY`) added inside is removed.
    """
    previous = logger.get_correlation_id()
    with correlation.bound(correlation_id) as bound_id:
        logger.set_correlation_id(bound_id)
        if keys:
            logger.append_keys(**keys)
        try:
            yield bound_id
        finally:
            logger.remove_keys([TICKET_KEY, *keys])
            logger.set_correlation_id(previous)


def queued_correlation_id(record: Any) -> str | None:
    """The correlation id an SQS record carries (`SqsWorkQueue` sends it), or None."""
    attribute = record.message_attributes[correlation.ATTRIBUTE]
    return correlation.clean(attribute.string_value) if attribute is not None else None


def lambda_entry(logger: Logger, correlation_id_path: str | None = None) -> Callable[[Handler], Handler]:
    """Decorates a handler: the Lambda context and a correlation id in every log line, traced if enabled.

    The id found at `correlation_id_path` in the event (an API request's id) is also the one new ticket
    events keep; handlers of batches set one per record instead (`correlated`). Metrics recorded during
    the invocation are written when it ends, whether it succeeded or raised.
    """

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def entry(event: Any, context: Any) -> Any:
            from .adapters.metrics import flush_metrics

            try:
                with correlation.bound(logger.get_correlation_id() if correlation_id_path else None):
                    return handler(event, context)
            finally:
                flush_metrics()
                if correlation_id_path:
                    # Not left for whatever logs next in this process (the local cloud runs every function).
                    logger.set_correlation_id(None)

        wrapped: Handler = entry
        if tracing_enabled():
            from aws_lambda_powertools import Tracer

            wrapped = Tracer().capture_lambda_handler(wrapped)
        return logger.inject_lambda_context(correlation_id_path=correlation_id_path)(wrapped)

    return decorate
