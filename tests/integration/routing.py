"""What happens after an intake, under moto: the stream feeds ticket_events, which starts the routing
workflow; moto's Step Functions runs the stack's definition, calling the routing handler in-process."""

from __future__ import annotations

import time
from typing import Any

import boto3

from infra.constants import TICKET_EVENTS_FILTER
from infra.local.streams import matches
from sportello.config import settings
from tests.integration.ticket_stream import deliver, every_record

WAIT_SECONDS = 60.0


class Desk:
    """Delivers each stream record once, and waits for the executions it starts, until all is quiet."""

    def __init__(self) -> None:
        self.delivered: set[str] = set()

    def settle(self) -> list[dict[str, Any]]:
        """Routes everything written so far; returns the executions, each described."""
        while True:
            fresh = [r for r in every_record() if r["eventID"] not in self.delivered]
            if not fresh:
                return executions()
            self.delivered.update(r["eventID"] for r in fresh)
            if any(matches(TICKET_EVENTS_FILTER, record) for record in fresh):
                result = deliver(fresh)
                assert result["batchItemFailures"] == [], result
            wait_for_executions()


def executions() -> list[dict[str, Any]]:
    sfn = boto3.client("stepfunctions")
    arn = settings().routing_state_machine_arn
    listed = sfn.list_executions(stateMachineArn=arn)["executions"]
    return [sfn.describe_execution(executionArn=e["executionArn"]) for e in listed]


def wait_for_executions(timeout: float = WAIT_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while any(e["status"] == "RUNNING" for e in executions()):
        assert time.monotonic() < deadline, "routing executions still running"
        time.sleep(0.05)
