"""Move the messages parked in a dead-letter queue back to their queue, once the cause is fixed.

    make replay                  # sportello-inbound-dlq  -> sportello-inbound (webhook deliveries)
    make replay QUEUE=outbound   # sportello-outbound-dlq -> sportello-outbound (agents' replies)
    make replay QUEUE=ticket-events  # sportello-ticket-events-dlq: re-read from the table's stream and
                                     # handled again in this process (see infra/stream_replay.py)
    .venv/bin/python -m infra.replay outbound

The queues are found by name (`get_queue_url`) with the ambient AWS configuration, as boto3 and the AWS
CLI read it:

- **AWS**: your credentials and the region you deployed to, e.g.
  `AWS_PROFILE=desk AWS_REGION=eu-west-1 make replay` (or the default profile, SSO, environment keys).
- **The local cloud** (`make dev`): point boto3 at the embedded AWS, with dummy credentials and the local
  cloud's region:

      AWS_ENDPOINT_URL=http://127.0.0.1:5055 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local \\
          AWS_DEFAULT_REGION=eu-west-1 make replay QUEUE=inbound

Messages are received in batches of 10, sent to the queue, and deleted from the dead-letter queue only
after their send succeeded: a message that cannot be sent stays in the dead-letter queue (visible again
when the run ends) and the exit status is 1. A replayed message starts over with a fresh receive count.

Replaying inbound deliveries is always safe: processing is idempotent (provider message ids). Replaying
outbound replies sends them again: a provider error on the last attempt marks the reply failed instead of
dead-lettering it, so what is in `sportello-outbound-dlq` failed in the function itself (a timeout, the
table) — almost always before the send, but a reply marked "sent" on its ticket would go out twice.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from infra.constants import DLQ_SUFFIX, INBOUND_QUEUE, OUTBOUND_QUEUE, TICKET_EVENTS_DLQ

QUEUES = {"inbound": INBOUND_QUEUE, "outbound": OUTBOUND_QUEUE}
# Not a queue to move messages back to: the table stream's failed batches (infra/stream_replay.py).
TICKET_EVENTS = "ticket-events"
BATCH = 10  # the SQS maximum for receive and batch send
# Received messages stay hidden this long, so one run never handles a message twice.
HOLD_SECONDS = 600
WAIT_SECONDS = 1  # long polling (any wait): an empty answer then means the queue is really empty
# Batches in a row of which nothing could be sent: the cause is not the messages (permissions, a deleted
# queue), so the run stops instead of holding every message of the dead-letter queue once.
MAX_FRUITLESS_BATCHES = 3


@dataclass
class Outcome:
    moved: int = 0
    failed: int = 0
    not_deleted: int = 0  # sent, but the delete failed: the message is in both queues now
    # Receipt handles of what stays in the dead-letter queue, made visible again at the end.
    kept: list[str] = field(default_factory=list)


class DeadLetterQueue:
    """Reads a dead-letter queue in batches; what is received stays hidden until released or deleted."""

    def __init__(self, sqs: Any, name: str, say: Callable[[str], None]) -> None:
        self._sqs = sqs
        self.name = name
        self._say = say
        self.url = queue_url(sqs, name)

    def waiting(self) -> int:
        attributes = self._sqs.get_queue_attributes(
            QueueUrl=self.url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        return int(attributes.get("ApproximateNumberOfMessages", 0))

    def receive(self) -> list[dict[str, Any]]:
        response = self._sqs.receive_message(
            QueueUrl=self.url,
            MaxNumberOfMessages=BATCH,
            WaitTimeSeconds=WAIT_SECONDS,
            VisibilityTimeout=HOLD_SECONDS,
            MessageAttributeNames=["All"],
        )
        messages: list[dict[str, Any]] = response.get("Messages", [])
        return messages

    def release(self, receipt_handles: list[str]) -> None:
        """What stays in the dead-letter queue is visible again at once, not after HOLD_SECONDS."""
        for start in range(0, len(receipt_handles), BATCH):
            chunk = receipt_handles[start : start + BATCH]
            entries = [
                {"Id": str(i), "ReceiptHandle": h, "VisibilityTimeout": 0} for i, h in enumerate(chunk)
            ]
            try:
                self._sqs.change_message_visibility_batch(QueueUrl=self.url, Entries=entries)
            except ClientError as error:  # they become visible anyway, after HOLD_SECONDS
                self._say(f"could not release {len(chunk)} messages in {self.name}: {_reason(error)}")


def queue_url(sqs: Any, name: str) -> str:
    return str(sqs.get_queue_url(QueueName=name)["QueueUrl"])


class Replay:
    def __init__(self, sqs: Any, name: str, say: Callable[[str], None] = print) -> None:
        self._sqs = sqs
        self.name = name
        self.dead_letter_name = f"{name}{DLQ_SUFFIX}"
        self._say = say
        self._queue_url = queue_url(sqs, name)
        self._dead_letters = DeadLetterQueue(sqs, self.dead_letter_name, say)
        self._dead_letter_url = self._dead_letters.url
        self._seen: set[str] = set()  # message ids handled in this run, ours included

    def run(self) -> Outcome:
        outcome = Outcome()
        total = self._dead_letters.waiting()
        fruitless = 0
        try:
            while messages := self._dead_letters.receive():
                fresh = [m for m in messages if m["MessageId"] not in self._seen]
                # A message we sent that failed again and came back is left for another run.
                outcome.kept += [m["ReceiptHandle"] for m in messages if m["MessageId"] in self._seen]
                if not fresh:
                    continue
                self._seen.update(m["MessageId"] for m in fresh)
                sent = self._move(fresh, outcome)
                total = max(total, outcome.moved + outcome.failed)
                self._say(f"moved {outcome.moved}/{total}")
                fruitless = 0 if sent else fruitless + 1
                if fruitless == MAX_FRUITLESS_BATCHES:
                    self._say(f"{fruitless} batches in a row could not be sent to {self.name}: stopping")
                    break
        finally:
            self._dead_letters.release(outcome.kept)
        return outcome

    def _move(self, messages: list[dict[str, Any]], outcome: Outcome) -> int:
        """Sends the batch, then deletes from the dead-letter queue exactly what was sent."""
        by_id = {str(index): message for index, message in enumerate(messages)}
        sent_ids = self._send(by_id)
        for entry_id, message in by_id.items():
            if entry_id not in sent_ids:
                outcome.failed += 1
                outcome.kept.append(message["ReceiptHandle"])
        self._seen.update(sent_ids.values())
        sent = [by_id[entry_id] for entry_id in sent_ids]
        if sent:
            self._delete(sent, outcome)
        outcome.moved += len(sent)
        return len(sent)

    def _delete(self, sent: list[dict[str, Any]], outcome: Outcome) -> None:
        entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(sent)]
        try:
            failures = self._sqs.delete_message_batch(QueueUrl=self._dead_letter_url, Entries=entries).get(
                "Failed", []
            )
        except ClientError as error:
            failures = [{"Message": _reason(error)}] * len(entries)
        for failure in failures:
            outcome.not_deleted += 1
            self._say(f"sent but not deleted from {self.dead_letter_name}: {failure.get('Message')}")

    def _send(self, by_id: dict[str, dict[str, Any]]) -> dict[str, str]:
        """Entry id -> the new message id, for every message that reached the queue."""
        entries = [{"Id": entry_id, **_payload(message)} for entry_id, message in by_id.items()]
        try:
            result = self._sqs.send_message_batch(QueueUrl=self._queue_url, Entries=entries)
        except ClientError as error:
            # The whole batch was refused (one oversized body refuses all): one by one instead.
            self._say(f"batch send refused ({_reason(error)}): sending one by one")
            return self._send_each(by_id)
        for failure in result.get("Failed", []):
            self._say(f"could not send message {by_id[failure['Id']]['MessageId']}: {failure.get('Message')}")
        return {entry["Id"]: entry["MessageId"] for entry in result.get("Successful", [])}

    def _send_each(self, by_id: dict[str, dict[str, Any]]) -> dict[str, str]:
        sent: dict[str, str] = {}
        for entry_id, message in by_id.items():
            try:
                response = self._sqs.send_message(QueueUrl=self._queue_url, **_payload(message))
            except ClientError as error:
                self._say(f"could not send message {message['MessageId']}: {_reason(error)}")
                continue
            sent[entry_id] = response["MessageId"]
        return sent


def _payload(message: dict[str, Any]) -> dict[str, Any]:
    payload: dict[str, Any] = {"MessageBody": message["Body"]}
    attributes = {
        name: {key: value[key] for key in ("DataType", "StringValue", "BinaryValue") if key in value}
        for name, value in message.get("MessageAttributes", {}).items()
    }
    if attributes:
        payload["MessageAttributes"] = attributes
    return payload


def _reason(error: ClientError) -> str:
    details = error.response.get("Error", {})
    return f"{details.get('Code', 'error')}: {details.get('Message', error)}"


def main(argv: Sequence[str] | None = None, sqs: Any | None = None, streams: Any | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="make replay", description="Move dead-lettered messages back to their queue."
    )
    parser.add_argument("queue", nargs="?", choices=sorted([*QUEUES, TICKET_EVENTS]), default="inbound")
    arguments = parser.parse_args(argv)
    if arguments.queue == TICKET_EVENTS:
        dead_letter_name = TICKET_EVENTS_DLQ
    else:
        name = QUEUES[arguments.queue]
        dead_letter_name = f"{name}{DLQ_SUFFIX}"
    try:
        if arguments.queue == TICKET_EVENTS:
            from infra.stream_replay import replay_ticket_events

            return replay_ticket_events(sqs or boto3.client("sqs"), streams)
        replay = Replay(sqs or boto3.client("sqs"), name)
        outcome = replay.run()
    except (BotoCoreError, ClientError) as error:
        reason = _reason(error) if isinstance(error, ClientError) else str(error)
        print(
            f"cannot replay {dead_letter_name} ({reason}): check the AWS credentials and region, or "
            "AWS_ENDPOINT_URL for the local cloud (see infra/replay.py)",
            file=sys.stderr,
        )
        return 2
    print(f"replayed {outcome.moved} messages from {replay.dead_letter_name} to {replay.name}")
    if outcome.failed:
        print(f"{outcome.failed} messages could not be sent and stay in {replay.dead_letter_name}")
    if outcome.not_deleted:
        print(f"{outcome.not_deleted} messages were sent but are still in {replay.dead_letter_name}")
    return 1 if outcome.failed or outcome.not_deleted else 0


if __name__ == "__main__":
    sys.exit(main())
