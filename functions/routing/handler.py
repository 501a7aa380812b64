"""One step of the routing workflow (Step Functions passes {"step", "state"}; the state comes back)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from sportello.app import sportello
from sportello.observability import lambda_entry

logger = Logger()


@lambda_entry(logger, correlation_id_path="state.event_id")
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step, state = event["step"], event["state"]
    logger.append_keys(ticket=state.get("ticket"), step=step)
    return sportello().routing.run(step, state)
