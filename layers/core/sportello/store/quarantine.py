"""Quarantined input: what we could not process, with the raw object it came from."""

from __future__ import annotations

from pynamodb.exceptions import PutError

from ..clock import from_iso, to_iso
from ..quarantine import QuarantinePage, QuarantineRecord
from . import keys
from .models import QuarantineItem, TableItem
from .tickets import decode_cursor, encode_cursor


class DynamoQuarantine:
    def add(self, record: QuarantineRecord) -> None:
        item = QuarantineItem(
            pk=keys.QUARANTINE_PK,
            sk=f"{to_iso(record.received_at)}#{record.id}",
            id=record.id,
            received_at=to_iso(record.received_at),
            reason=record.reason,
            raw_key=record.raw_key,
            sender=record.sender,
            subject=record.subject,
            channel=record.channel,
        )
        try:
            # The id is derived from the raw object, so a retried delivery lands on the same record.
            item.save(condition=QuarantineItem.pk.does_not_exist())
        except PutError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise

    def recent(self, cursor: str | None = None, limit: int = 50) -> QuarantinePage:
        results = TableItem.query(
            keys.QUARANTINE_PK,
            scan_index_forward=False,
            limit=limit,
            last_evaluated_key=decode_cursor(cursor),
        )
        records = [
            QuarantineRecord(
                id=item.id,
                received_at=from_iso(item.received_at),
                reason=item.reason,
                raw_key=item.raw_key,
                sender=item.sender,
                subject=item.subject,
                channel=item.channel,
            )
            for item in results
            if isinstance(item, QuarantineItem)
        ]
        return QuarantinePage(records, encode_cursor(results.last_evaluated_key))
