"""The hourly schedule (EventBridge): the desk's automations act on the tickets whose time has come."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from sportello.app import sportello
from sportello.clock import utc_now
from sportello.observability import lambda_entry

logger = Logger()


class SweepFailedError(RuntimeError):
    """Some tickets could not be handled: Lambda retries the sweep (claims keep it from acting twice),
    then the event goes to the dead-letter queue, whose alarm tells someone."""


@lambda_entry(logger, correlation_id_path="id")
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # The clock, not the event's `time`: a retried event runs on the hour it actually runs.
    report = sportello().automations.run(utc_now())
    summary = report.to_output()
    logger.info("automations swept", extra={"sweep": summary, "scheduled_for": event.get("time")})
    if report.failed:
        raise SweepFailedError(f"{report.failed} ticket(s) failed: {summary}")
    return {"rules": report.rules, "examined": report.examined, "acted": report.acted}
