"""Starts the routing workflow's executions (Step Functions)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import boto3


class StepFunctionsStarter:
    def __init__(self, state_machine_arn: str) -> None:
        self._arn = state_machine_arn
        self._client = boto3.client("stepfunctions")

    def start(self, name: str, payload: Mapping[str, Any]) -> bool:
        try:
            self._client.start_execution(
                stateMachineArn=self._arn, name=name, input=json.dumps(dict(payload))
            )
        except self._client.exceptions.ExecutionAlreadyExists:
            return False
        return True
