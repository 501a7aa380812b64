"""SQS as the work queue between webhook intake and processing, and for outbound replies."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import boto3

from .. import correlation


class SqsWorkQueue:
    def __init__(self, queue_url: str, client: Any | None = None) -> None:
        self._queue_url = queue_url
        self._client = client or boto3.client("sqs")

    def send(self, body: Mapping[str, Any]) -> None:
        """Queues `body`, with the current correlation id as a message attribute (the consumer's logs)."""
        attributes: dict[str, Any] = {}
        correlation_id = correlation.current()
        if correlation_id:
            attributes["MessageAttributes"] = {
                correlation.ATTRIBUTE: {"DataType": "String", "StringValue": correlation_id}
            }
        self._client.send_message(
            QueueUrl=self._queue_url, MessageBody=json.dumps(body, sort_keys=True), **attributes
        )
