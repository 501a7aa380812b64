"""Local stand-in for Lambda's DynamoDB stream event source mapping: reads the table's stream, filters it
as the CDK mapping does, invokes the real handler, and retries failed records as Lambda would.

As in AWS: a record that does not match the filter never reaches the function; the handler reports
failed records by sequence number (partial batch response) and the shard is read again from the first
of them; after the retries the batch's stream coordinates (not its records) go to the dead-letter queue,
which `make replay QUEUE=ticket-events` reads back. `make replay` uses the reader and the event shape too.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3

from infra.constants import TICKET_EVENTS_BATCH_SIZE, TICKET_EVENTS_FILTER, TICKET_EVENTS_RETRY_ATTEMPTS

from .events import LOCAL_ACCOUNT, LambdaContext

logger = logging.getLogger(__name__)
Handler = Callable[[dict[str, Any], Any], Any]
# Shard iterator types of the DynamoDB Streams API.
LATEST = "LATEST"
AT_SEQUENCE_NUMBER = "AT_SEQUENCE_NUMBER"
MAX_EMPTY_PAGES = 3


def matches(pattern: Mapping[str, Any], record: Mapping[str, Any]) -> bool:
    """Lambda event filtering, the part Sportello uses: nested objects and lists of accepted values."""
    for name, accepted in pattern.items():
        value = record.get(name)
        if isinstance(accepted, Mapping):
            if not isinstance(value, Mapping) or not matches(accepted, value):
                return False
        elif value not in accepted:
            return False
    return True


def lambda_record(record: Mapping[str, Any], stream_arn: str) -> dict[str, Any]:
    """A record as the Streams API returns it (through boto3), shaped as Lambda delivers it."""
    change = dict(record["dynamodb"])
    created = change.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):  # boto3 parses it; Lambda sends epoch seconds
        change["ApproximateCreationDateTime"] = int(created.timestamp())
    return {**record, "dynamodb": change, "eventSourceARN": stream_arn}


def stream_event(records: Iterable[Mapping[str, Any]], stream_arn: str) -> dict[str, Any]:
    return {"Records": [lambda_record(record, stream_arn) for record in records]}


def sequence_number(record: Mapping[str, Any]) -> int:
    return int(record["dynamodb"]["SequenceNumber"])


def failed_sequence_numbers(result: Any) -> list[int]:
    """The records a partial batch response names as failed."""
    failures = (result or {}).get("batchItemFailures", [])
    return sorted(int(failure["itemIdentifier"]) for failure in failures)


def dead_letter_message(
    stream_arn: str, shard_id: str, records: Sequence[Mapping[str, Any]], function_name: str
) -> dict[str, Any]:
    """What Lambda sends the on-failure destination of a stream mapping: where the batch was, not it."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return {
        "requestContext": {
            "requestId": "local",
            "functionArn": f"arn:aws:lambda:eu-west-1:{LOCAL_ACCOUNT}:function:{function_name}",
            "condition": "RetryAttemptsExhausted",
            "approximateInvokeCount": TICKET_EVENTS_RETRY_ATTEMPTS + 1,
        },
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "version": "1.0",
        "timestamp": now,
        "DDBStreamBatchInfo": {
            "shardId": shard_id,
            "startSequenceNumber": str(sequence_number(records[0])),
            "endSequenceNumber": str(sequence_number(records[-1])),
            "approximateArrivalOfFirstRecord": now,
            "approximateArrivalOfLastRecord": now,
            "batchSize": len(records),
            "streamArn": stream_arn,
        },
    }


def table_stream_arn(table_name: str) -> str:
    return str(boto3.client("dynamodb").describe_table(TableName=table_name)["Table"]["LatestStreamArn"])


class StreamReader:
    """One stream's records through the DynamoDB Streams API."""

    def __init__(self, stream_arn: str, streams: Any | None = None) -> None:
        self.stream_arn = stream_arn
        self._streams = streams or boto3.client("dynamodbstreams")

    def shard_ids(self) -> list[str]:
        description = self._streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]
        return [shard["ShardId"] for shard in description.get("Shards", [])]

    def iterator(self, shard_id: str, kind: str, at: int | None = None) -> str:
        position = {} if at is None else {"SequenceNumber": str(at)}
        response = self._streams.get_shard_iterator(
            StreamArn=self.stream_arn, ShardId=shard_id, ShardIteratorType=kind, **position
        )
        return str(response["ShardIterator"])

    def read(self, iterator: str, limit: int) -> tuple[list[dict[str, Any]], str | None]:
        """One page of records, and where the next page starts (None: the shard is closed)."""
        response = self._streams.get_records(ShardIterator=iterator, Limit=limit)
        return list(response.get("Records", [])), response.get("NextShardIterator")

    def between(self, shard_id: str, first: int, last: int) -> list[dict[str, Any]]:
        """The shard's records from sequence number `first` to `last`, both included."""
        found: list[dict[str, Any]] = []
        iterator: str | None = self.iterator(shard_id, AT_SEQUENCE_NUMBER, first)
        empty_pages = 0
        # The Streams API may answer an empty page before the records that follow; an open shard's end
        # answers empty pages for ever: a few in a row mean there is nothing more.
        while iterator and empty_pages < MAX_EMPTY_PAGES:
            page, iterator = self.read(iterator, 1000)
            empty_pages = 0 if page else empty_pages + 1
            found += [record for record in page if sequence_number(record) <= last]
            if page and sequence_number(page[-1]) >= last:
                break
        return found


@dataclass
class _Position:
    iterator: str | None
    attempts: int = 0  # failed invocations of the batch at this position


class StreamPoller:
    def __init__(
        self,
        stream_arn: str,
        handler: Handler,
        function_name: str,
        lock: threading.RLock,
        on_change: Callable[[], None],
        stop: threading.Event,
        *,
        dead_letter_url: str | None = None,
        streams: Any | None = None,
    ) -> None:
        self._reader = StreamReader(stream_arn, streams)
        self._handler = handler
        self._function_name = function_name
        self._lock = lock
        self._on_change = on_change
        self._stop = stop
        self._dead_letter_url = dead_letter_url
        # As a new mapping with starting position LATEST: what the stream holds already is not ours.
        self._positions = {
            shard: _Position(self._reader.iterator(shard, LATEST)) for shard in self._reader.shard_ids()
        }

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self._run, name=f"stream-{self._function_name}", daemon=True)
        thread.start()
        return thread

    def poll_once(self) -> int:
        """Reads one page of every shard; returns how many records it read (filtered out ones included)."""
        read = 0
        for shard_id, position in self._positions.items():
            if position.iterator is None:
                continue  # closed
            page, next_iterator = self._reader.read(position.iterator, TICKET_EVENTS_BATCH_SIZE)
            batch = [record for record in page if matches(TICKET_EVENTS_FILTER, record)]
            failed = self._invoke(batch) if batch else []
            read += len(page)
            if not failed:
                position.iterator, position.attempts = next_iterator, 0
                continue
            position.attempts += 1
            if position.attempts > TICKET_EVENTS_RETRY_ATTEMPTS:
                self._park(shard_id, batch)
                position.iterator, position.attempts = next_iterator, 0
            else:  # as Lambda does: the shard is read again from the first failed record
                position.iterator = self._reader.iterator(shard_id, AT_SEQUENCE_NUMBER, failed[0])
        return read

    def _invoke(self, batch: list[dict[str, Any]]) -> list[int]:
        """The sequence numbers of the records that failed (all of them if the invocation did)."""
        event = stream_event(batch, self._reader.stream_arn)
        with self._lock:
            try:
                result = self._handler(event, LambdaContext(self._function_name))
            except Exception:
                logger.exception("%s failed on a batch; it will be retried", self._function_name)
                return [sequence_number(record) for record in batch]
            finally:
                self._on_change()
        return failed_sequence_numbers(result)

    def _park(self, shard_id: str, batch: list[dict[str, Any]]) -> None:
        logger.error("%s: %d records failed after every retry", self._function_name, len(batch))
        if self._dead_letter_url:
            message = dead_letter_message(self._reader.stream_arn, shard_id, batch, self._function_name)
            boto3.client("sqs").send_message(QueueUrl=self._dead_letter_url, MessageBody=json.dumps(message))

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if not self.poll_once():
                    self._stop.wait(0.5)
            except Exception:
                logger.exception("polling the stream %s failed", self._reader.stream_arn)
                self._stop.wait(1)
