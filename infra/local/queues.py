"""Local stand-in for Lambda's SQS event source mapping: polls a queue, invokes the real handler."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import boto3

from .events import LOCAL_ACCOUNT, LambdaContext

logger = logging.getLogger(__name__)
Handler = Callable[[dict[str, Any], Any], Any]


def sqs_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    attributes = message.get("Attributes", {})
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {
            "ApproximateReceiveCount": attributes.get("ApproximateReceiveCount", "1"),
            "SentTimestamp": attributes.get("SentTimestamp", "0"),
            "SenderId": attributes.get("SenderId", LOCAL_ACCOUNT),
            "ApproximateFirstReceiveTimestamp": attributes.get("ApproximateFirstReceiveTimestamp", "0"),
        },
        "messageAttributes": {
            # As Lambda hands them over (the correlation id travels as one: sportello.correlation).
            name: {
                "stringValue": value.get("StringValue"),
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": value.get("DataType", "String"),
            }
            for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": boto3.session.Session().region_name,
    }


class QueuePoller:
    def __init__(
        self,
        queue_url: str,
        handler: Handler,
        function_name: str,
        lock: threading.RLock,
        on_change: Callable[[], None],
        stop: threading.Event,
    ) -> None:
        self._queue_url = queue_url
        self._handler = handler
        self._function_name = function_name
        self._lock = lock
        self._on_change = on_change
        self._stop = stop
        self._sqs = boto3.client("sqs")
        region = boto3.session.Session().region_name
        self._arn = f"arn:aws:sqs:{region}:{LOCAL_ACCOUNT}:{queue_url.rsplit('/', 1)[-1]}"

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self._run, name=f"poll-{self._function_name}", daemon=True)
        thread.start()
        return thread

    def poll_once(self) -> int:
        """Delivers one batch; returns how many messages it held (the tests drive it directly)."""
        received = self._sqs.receive_message(
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=1,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not received:
            return 0
        event = {"Records": [sqs_record(message, self._arn) for message in received]}
        with self._lock:
            try:
                result = self._handler(event, LambdaContext(self._function_name)) or {}
            except Exception:
                logger.exception("%s failed on a batch; it will be retried", self._function_name)
                return len(received)
            finally:
                self._on_change()
        failed = {failure["itemIdentifier"] for failure in result.get("batchItemFailures", [])}
        for message in received:
            if message["MessageId"] not in failed:
                self._sqs.delete_message(QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"])
        return len(received)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception:
                logger.exception("polling %s failed", self._queue_url)
                self._stop.wait(1)
