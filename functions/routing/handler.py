"""One step of the routing workflow (Step Functions passes {"step", "state"}; the state comes back)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from sportello.app import sportello
from sportello.observability import correlated, lambda_entry

logger = Logger()


@lambda_entry(logger)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step, state = event["step"], event["state"]
    # The ticket's intake id, so one query finds the mail, its ticket and how it was routed.
    with correlated(logger, state.get("correlation_id") or state.get("event_id"), ticket=state.get("ticket")):
        logger.info("routing step %s", step)
        return sportello().routing.run(step, state)
