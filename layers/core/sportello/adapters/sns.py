"""The desk's notification topic (SNS): email subscribers, chat hooks, filtered by message attributes."""

from __future__ import annotations

from collections.abc import Mapping

import boto3


class SnsNotifier:
    def __init__(self, topic_arn: str) -> None:
        self._arn = topic_arn
        self._client = boto3.client("sns")

    def notify(self, subject: str, message: str, attributes: Mapping[str, str]) -> None:
        self._client.publish(
            TopicArn=self._arn,
            # SNS refuses subjects with line breaks or over 100 characters.
            Subject=" ".join(subject.split())[:100] or "Sportello",
            Message=message,
            MessageAttributes={
                name: {"DataType": "String", "StringValue": value}
                for name, value in attributes.items()
                if value
            },
        )
