"""The per-minute schedule (EventBridge): SLA warnings and breaches whose time has come are sent, once."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from sportello.app import sportello
from sportello.clock import utc_now
from sportello.observability import lambda_entry

logger = Logger()


class SweepFailedError(RuntimeError):
    """Some tickets' alerts failed (their claims were released): Lambda retries the sweep, which sends
    only what is still unsent, then the event goes to the dead-letter queue, whose alarm tells someone."""


@lambda_entry(logger, correlation_id_path="id")
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # The clock, not the event's `time`: a late or retried run alerts on what is due when it runs.
    report = sportello().sla.sweep(utc_now())
    summary = report.to_output()
    logger.info("SLA swept", extra={"sweep": summary, "scheduled_for": event.get("time")})
    if report.failed:
        raise SweepFailedError(f"{report.failed} ticket(s) failed: {summary}")
    return summary
