"""`make replay QUEUE=ticket-events`: run the ticket events of dead-lettered stream batches again.

A stream mapping's dead-letter queue holds where a failed batch was (stream, shard, first and last
sequence number), not its records. Each message is read back from the table's stream, filtered as the
mapping filters, and handed to the `ticket_events` handler in this process (the code Lambda runs, with
the credentials and region of your environment, as for `make replay`). The message leaves the dead-letter
queue only when every event of its batch succeeded; replaying is safe, as subscribers run once per event.

The stream keeps records 24 hours: a batch parked longer ago than that cannot be replayed. Its message
stays in the queue and the run says so; delete it by hand once you have noted what it covered.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from infra.constants import TICKET_EVENTS_DLQ, TICKET_EVENTS_FILTER, TICKET_EVENTS_FUNCTION
from infra.local.events import LambdaContext
from infra.local.streams import StreamReader, failed_sequence_numbers, matches, stream_event
from infra.replay import DeadLetterQueue
from sportello.names import ENV_TABLE_NAME

Handler = Callable[[dict[str, Any], Any], Any]
# What the Streams API answers for records past the retention period or a stream that no longer exists.
GONE = frozenset({"TrimmedDataAccessException", "ResourceNotFoundException"})
FUNCTIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "functions")


@dataclass
class StreamOutcome:
    replayed: int = 0  # dead-lettered batches whose events all succeeded now
    events: int = 0
    failed: int = 0
    gone: int = 0  # batches the stream no longer holds
    kept: list[str] = field(default_factory=list)


class StreamReplay:
    def __init__(
        self,
        sqs: Any,
        handler_for: Callable[[str], Handler],
        streams: Any | None = None,
        say: Callable[[str], None] = print,
    ) -> None:
        self._sqs = sqs
        self._handler_for = handler_for  # the stream's ARN -> the handler, loaded for that table
        self._streams = streams
        self._say = say
        self._dead_letters = DeadLetterQueue(sqs, TICKET_EVENTS_DLQ, say)
        self.dead_letter_name = TICKET_EVENTS_DLQ

    def run(self) -> StreamOutcome:
        outcome = StreamOutcome()
        total = self._dead_letters.waiting()
        seen: set[str] = set()
        try:
            while messages := self._dead_letters.receive():
                for message in messages:
                    if message["MessageId"] in seen:  # received again within the run: one try each
                        outcome.kept.append(message["ReceiptHandle"])
                        continue
                    seen.add(message["MessageId"])
                    if self._replay(message, outcome):
                        self._sqs.delete_message(
                            QueueUrl=self._dead_letters.url, ReceiptHandle=message["ReceiptHandle"]
                        )
                    else:
                        outcome.kept.append(message["ReceiptHandle"])
                    done = outcome.replayed + outcome.failed + outcome.gone
                    self._say(
                        f"replayed {outcome.replayed}/{max(total, done)} batches ({outcome.events} events)"
                    )
        finally:
            self._dead_letters.release(outcome.kept)
        return outcome

    def _replay(self, message: dict[str, Any], outcome: StreamOutcome) -> bool:
        try:
            batch = json.loads(message["Body"])["DDBStreamBatchInfo"]
            arn, shard = batch["streamArn"], batch["shardId"]
            first, last = int(batch["startSequenceNumber"]), int(batch["endSequenceNumber"])
        except (ValueError, KeyError, TypeError):
            self._say(
                f"message {message['MessageId']} is not a stream batch: left in {self.dead_letter_name}"
            )
            outcome.failed += 1
            return False
        where = f"shard {shard}, records {first}-{last}"
        try:
            records = StreamReader(arn, self._streams).between(shard, first, last)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in GONE:
                raise
            records = []
        if not records:
            self._say(
                f"{where}: gone from the stream, which keeps records 24 hours; the message stays in "
                f"{self.dead_letter_name}: delete it once noted"
            )
            outcome.gone += 1
            return False
        events = [record for record in records if matches(TICKET_EVENTS_FILTER, record)]
        try:
            result = self._handler_for(arn)(stream_event(events, arn), LambdaContext(TICKET_EVENTS_FUNCTION))
            failed = failed_sequence_numbers(result)
        except Exception as error:  # the handler itself failed: the batch stays for another run
            self._say(f"{where}: the handler failed ({type(error).__name__}: {error})")
            failed = [first]
        if failed:
            self._say(f"{where}: {len(failed)} events failed again; the message stays")
            outcome.failed += 1
            return False
        outcome.replayed += 1
        outcome.events += len(events)
        return True


def load_handler(stream_arn: str) -> Handler:
    """The shipped handler, for the stream's table (`arn:aws:dynamodb:<region>:<account>:table/<name>/…`)."""
    os.environ.setdefault(ENV_TABLE_NAME, stream_arn.split(":table/", 1)[1].split("/", 1)[0])
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")  # the progress lines stay readable
    if FUNCTIONS_DIR not in sys.path:
        sys.path.insert(0, FUNCTIONS_DIR)
    from ticket_events.handler import handler

    return handler


def replay_ticket_events(
    sqs: Any, streams: Any | None = None, handler_for: Callable[[str], Handler] = load_handler
) -> int:
    """Runs the replay and prints its summary; the exit status is 1 if anything stays parked."""
    replay = StreamReplay(sqs, handler_for, streams)
    outcome = replay.run()
    print(
        f"replayed {outcome.replayed} batches ({outcome.events} ticket events) from {replay.dead_letter_name}"
    )
    if outcome.failed:
        print(f"{outcome.failed} batches failed again and stay in {replay.dead_letter_name}")
    if outcome.gone:
        print(
            f"{outcome.gone} batches are no longer in the stream (older than 24 hours) and stay in "
            f"{replay.dead_letter_name}"
        )
    return 1 if outcome.failed or outcome.gone else 0
