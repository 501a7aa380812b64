"""Tickets, their messages and audit events in DynamoDB."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from ..clock import from_iso, to_iso
from ..customers.model import Customer, Identity
from ..customers.ports import IdentityTakenError
from ..errors import ConflictError, InvalidRequestError, NotFoundError
from ..tickets.events import Event, payload_from
from ..tickets.model import (
    AttachmentRef,
    AuthorType,
    Channel,
    Message,
    Priority,
    Requester,
    Status,
    Ticket,
    TicketType,
)
from ..tickets.ports import (
    DuplicateMessageError,
    Lookup,
    MessageField,
    MessageRef,
    Page,
    TicketHistory,
    TicketQuery,
)
from . import keys
from .customers import identity_owner, new_customer_items
from .models import (
    AttachmentMap,
    CounterItem,
    CustomerItem,
    EventItem,
    ExternalRefItem,
    IdentityItem,
    MessageItem,
    TableItem,
    TicketItem,
)


def _opt_iso(value: Any) -> str | None:
    return to_iso(value) if value is not None else None


def ticket_to_item(ticket: Ticket) -> TicketItem:
    updated = to_iso(ticket.updated_at)
    active = ticket.status.is_active
    view_sk = keys.view_sort_key(active, updated, ticket.number)
    item = TicketItem(
        pk=keys.ticket_pk(ticket.number),
        sk=keys.TICKET_SK,
        number=ticket.number,
        subject=ticket.subject,
        status=ticket.status.value,
        priority=ticket.priority.value,
        ticket_type=ticket.type.value if ticket.type else None,
        tags=list(ticket.tags),
        group=ticket.group,
        assignee=ticket.assignee,
        channel=ticket.channel.value,
        requester_id=ticket.requester.id,
        requester_name=ticket.requester.name,
        requester_email=ticket.requester.email,
        language=ticket.language,
        custom_fields=ticket.custom_fields,
        created_at=to_iso(ticket.created_at),
        updated_at=updated,
        first_reply_at=_opt_iso(ticket.first_reply_at),
        solved_at=_opt_iso(ticket.solved_at),
        channel_address=ticket.channel_address,
        last_activity_at=_opt_iso(ticket.last_activity_at),
        state_pk=f"TSTATE#{keys.state_bucket(active)}",
        state_sk=f"{updated}#{ticket.number:010d}",
        status_pk=f"TSTATUS#{ticket.status.value}",
        status_sk=f"{updated}#{ticket.number:010d}",
        assignee_pk=f"TASSIGNEE#{ticket.assignee or keys.NO_VALUE}",
        assignee_sk=view_sk,
        group_pk=f"TGROUP#{ticket.group or keys.NO_VALUE}",
        group_sk=view_sk,
        owner_pk=keys.customer_pk(ticket.requester.id),
        owner_sk=f"TICKET#{to_iso(ticket.created_at)}#{ticket.number:010d}",
    )
    # PynamoDB's version attribute stays unset on a new item; an update carries the version read.
    if ticket.version:
        item.version = ticket.version
    return item


def item_to_ticket(item: TicketItem) -> Ticket:
    return Ticket(
        number=int(item.number),
        subject=item.subject,
        status=Status(item.status),
        priority=Priority(item.priority),
        type=TicketType(item.ticket_type) if item.ticket_type else None,
        tags=[str(tag) for tag in item.tags or []],
        group=item.group,
        assignee=item.assignee,
        channel=Channel(item.channel),
        requester=Requester(item.requester_id, item.requester_name, item.requester_email),
        language=item.language,
        custom_fields=dict(item.custom_fields or {}),
        created_at=from_iso(item.created_at),
        updated_at=from_iso(item.updated_at),
        first_reply_at=from_iso(item.first_reply_at) if item.first_reply_at else None,
        solved_at=from_iso(item.solved_at) if item.solved_at else None,
        channel_address=item.channel_address,
        version=int(item.version or 0),
        last_activity_at=from_iso(item.last_activity_at) if item.last_activity_at else None,
    )


def message_to_item(message: Message) -> MessageItem:
    created = to_iso(message.created_at)
    return MessageItem(
        pk=keys.ticket_pk(message.ticket_number),
        sk=keys.message_sk(created, message.id),
        id=message.id,
        ticket_number=message.ticket_number,
        author_type=message.author_type.value,
        author_id=message.author_id,
        author_name=message.author_name,
        public=message.public,
        channel=message.channel.value,
        text=message.text,
        full_text=message.full_text,
        html=message.html,
        attachments=[
            AttachmentMap(  # type: ignore[no-untyped-call]
                id=a.id,
                filename=a.filename,
                content_type=a.content_type,
                size=a.size,
                key=a.key,
                content_id=a.content_id,
                inline=a.inline,
            )
            for a in message.attachments
        ],
        external_id=message.external_id,
        delivery_status=message.delivery_status,
        auto_submitted=message.auto_submitted,
        created_at=created,
        stored_bodies=list(message.stored_bodies) or None,
        omitted_attachments=message.omitted_attachments or None,
    )


def item_to_message(item: MessageItem) -> Message:
    return Message(
        id=item.id,
        ticket_number=int(item.ticket_number),
        author_type=AuthorType(item.author_type),
        author_id=item.author_id,
        author_name=item.author_name,
        public=bool(item.public),
        channel=Channel(item.channel),
        text=item.text,
        full_text=item.full_text,
        html=item.html,
        attachments=tuple(
            AttachmentRef(
                id=a.id,
                filename=a.filename,
                content_type=a.content_type,
                size=int(a.size),
                key=a.key,
                content_id=a.content_id,
                inline=bool(a.inline),
            )
            for a in (item.attachments or [])
        ),
        external_id=item.external_id,
        delivery_status=item.delivery_status,
        auto_submitted=item.auto_submitted,
        created_at=from_iso(item.created_at),
        stored_bodies=tuple(str(field) for field in item.stored_bodies or ()),
        omitted_attachments=int(item.omitted_attachments or 0),
    )


def event_to_item(event: Event) -> EventItem:
    created = to_iso(event.created_at)
    return EventItem(
        pk=keys.ticket_pk(event.ticket_number),
        sk=keys.event_sk(created, event.id),
        id=event.id,
        ticket_number=event.ticket_number,
        kind=event.kind.value,
        actor=event.actor,
        data=event.data,
        created_at=created,
        correlation_id=event.correlation_id,
    )


def item_to_event(item: EventItem) -> Event:
    return Event(
        id=item.id,
        ticket_number=int(item.ticket_number),
        actor=item.actor,
        created_at=from_iso(item.created_at),
        payload=payload_from(item.kind, dict(item.data or {})),
        correlation_id=item.correlation_id,
    )


def _external_ref_item(ref: str, number: int, direction: str, message_sk: str | None) -> ExternalRefItem:
    return ExternalRefItem(
        pk=keys.external_ref_pk(ref),
        sk=keys.EXTERNAL_REF_SK,
        ref=ref,
        ticket_number=number,
        direction=direction,
        message_sk=message_sk,
    )


def message_key(message: Message) -> str:
    """The sort key of a message within its ticket's partition."""
    return keys.message_sk(to_iso(message.created_at), message.id)


def encode_cursor(last_key: dict[str, Any] | None) -> str | None:
    if not last_key:
        return None
    return base64.urlsafe_b64encode(json.dumps(last_key, sort_keys=True).encode()).decode()


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        decoded = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError) as error:
        raise InvalidRequestError("the cursor is not one this API returned") from error
    if not isinstance(decoded, dict):
        raise InvalidRequestError("the cursor is not one this API returned")
    return decoded


def _cancellation_codes(error: TransactWriteError) -> list[str]:
    reasons = error.cancellation_reasons or []
    return [reason.code if reason else "None" for reason in reasons]


class DynamoTicketRepository:
    """`TicketRepository` on the single table: a ticket's partition holds it, its messages and events."""

    def next_number(self) -> int:
        counter = CounterItem(keys.COUNTER_PK, keys.TICKET_COUNTER_SK)
        counter.update(actions=[CounterItem.value.add(1)])
        return int(counter.value)

    def write(
        self,
        ticket: Ticket,
        messages: Sequence[Message] = (),
        events: Sequence[Event] = (),
        inbound_refs: Iterable[str] = (),
        *,
        new: bool = False,
        new_customer: Customer | None = None,
    ) -> Ticket:
        """Saves the ticket with its new messages, events and Message-ID claims, all or nothing.

        A new ticket must not exist yet; a changed one must still have the version it was read at
        (else ConflictError); a Message-ID claimed before aborts the write as a duplicate. A new
        customer goes in the same transaction (IdentityTakenError when one of its identities is owned).
        """
        item = ticket_to_item(ticket)
        self._write(item, messages, events, inbound_refs, ticket.number, new=new, new_customer=new_customer)
        return item_to_ticket(item)

    def _write(
        self,
        item: TicketItem,
        messages: Sequence[Message],
        events: Sequence[Event],
        inbound_refs: Iterable[str],
        number: int,
        *,
        new: bool,
        new_customer: Customer | None = None,
    ) -> None:
        refs = list(dict.fromkeys(inbound_refs))
        first_message_sk = message_key(messages[0]) if messages else None
        connection = TableItem._get_connection().connection
        try:
            with TransactWrite(connection=connection) as transaction:
                if new:
                    transaction.save(item, condition=TicketItem.pk.does_not_exist())
                else:
                    transaction.save(item)
                for message in messages:
                    transaction.save(message_to_item(message))
                for event in events:
                    transaction.save(event_to_item(event))
                for ref in refs:
                    transaction.save(
                        _external_ref_item(ref, number, "inbound", first_message_sk),
                        condition=ExternalRefItem.pk.does_not_exist(),
                    )
                if new_customer is not None:
                    # Last, so the cancellation reasons of the items above keep their places.
                    customer_item, identity_items = new_customer_items(new_customer)
                    transaction.save(customer_item, condition=CustomerItem.pk.does_not_exist())
                    for identity_item in identity_items:
                        transaction.save(identity_item, condition=IdentityItem.pk.does_not_exist())
        except TransactWriteError as error:
            codes = _cancellation_codes(error)
            failed = [code == "ConditionalCheckFailed" for code in codes]
            first_ref = 1 + len(messages) + len(events)
            if any(failed[first_ref : first_ref + len(refs)]):
                raise DuplicateMessageError(", ".join(refs)) from error
            if any(failed[first_ref + len(refs) :]):
                assert new_customer is not None
                raise IdentityTakenError(new_customer.id) from error
            if failed[:1] == [True]:
                raise ConflictError(f"ticket #{number} was changed by someone else") from error
            raise

    def add_events(self, events: Sequence[Event]) -> None:
        """Records audit events that change nothing on the ticket itself."""
        if len(events) == 1:
            event_to_item(events[0]).save()
            return
        with TransactWrite(connection=TableItem._get_connection().connection) as transaction:
            for event in events:
                transaction.save(event_to_item(event))

    def record_activity(self, number: int, at: datetime) -> None:
        """Moves the ticket's `last_activity_at` forward to `at` (an older `at` changes nothing).

        One UpdateItem through the low-level connection, so the version stays as it is (agents'
        optimistic locking sees no change of theirs) and no event is written (no loop through the
        stream). The ticket must exist: an update would otherwise create a ticket-less item.
        """
        moment = to_iso(at)
        activity = TicketItem.last_activity_at
        try:
            TicketItem._get_connection().update_item(
                keys.ticket_pk(number),
                keys.TICKET_SK,
                actions=[activity.set(moment)],
                condition=TicketItem.pk.exists() & (activity.does_not_exist() | (activity < moment)),
            )
        except UpdateError as error:
            # Newer activity is recorded already (or the ticket is gone): nothing to move forward.
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise

    def get(self, number: int) -> Ticket:
        try:
            item = TicketItem.get(keys.ticket_pk(number), keys.TICKET_SK)
        except DoesNotExist as error:
            raise NotFoundError(f"ticket #{number} does not exist") from error
        return item_to_ticket(item)

    def many(self, numbers: Sequence[int]) -> list[Ticket]:
        """One BatchGetItem (PynamoDB pages it by 100 keys and retries unprocessed ones)."""
        wanted = list(dict.fromkeys(numbers))
        if not wanted:
            return []
        found = {
            int(item.number): item_to_ticket(item)
            for item in TicketItem.batch_get([(keys.ticket_pk(number), keys.TICKET_SK) for number in wanted])
        }
        return [found[number] for number in wanted if number in found]

    def history(self, number: int) -> TicketHistory:
        ticket: Ticket | None = None
        messages: list[Message] = []
        events: list[Event] = []
        for item in TableItem.query(keys.ticket_pk(number)):
            if isinstance(item, TicketItem):
                ticket = item_to_ticket(item)
            elif isinstance(item, MessageItem):
                messages.append(item_to_message(item))
            elif isinstance(item, EventItem):
                events.append(item_to_event(item))
        if ticket is None:
            raise NotFoundError(f"ticket #{number} does not exist")
        return TicketHistory(ticket, messages, events)

    def ticket_for_ref(self, ref: str) -> int | None:
        found = self.message_ref(ref)
        return found.ticket_number if found else None

    def message_ref(self, ref: str) -> MessageRef | None:
        try:
            item = ExternalRefItem.get(keys.external_ref_pk(ref), keys.EXTERNAL_REF_SK)
        except DoesNotExist:
            return None
        return MessageRef(int(item.ticket_number), item.message_sk, item.direction)

    def message_refs(self, refs: Sequence[str]) -> dict[str, MessageRef]:
        """One BatchGetItem (PynamoDB pages it by 100 keys and retries unprocessed ones)."""
        wanted = list(dict.fromkeys(refs))
        if not wanted:
            return {}
        found = ExternalRefItem.batch_get(
            [(keys.external_ref_pk(ref), keys.EXTERNAL_REF_SK) for ref in wanted]
        )
        return {
            item.ref: MessageRef(int(item.ticket_number), item.message_sk, item.direction) for item in found
        }

    def lookup(self, refs: Sequence[str], identity: Identity | None) -> Lookup:
        """One BatchGetItem for the refs and the identity item together (PynamoDB pages it by 100 keys
        and retries unprocessed ones); the items come back typed by their discriminator."""
        wanted = list(dict.fromkeys(refs))
        item_keys = [(keys.external_ref_pk(ref), keys.EXTERNAL_REF_SK) for ref in wanted]
        if identity is not None:
            item_keys.append((keys.identity_pk(identity.kind.value, identity.value), keys.IDENTITY_SK))
        if not item_keys:
            return Lookup({})
        found: dict[str, MessageRef] = {}
        owner = None
        for item in TableItem.batch_get(item_keys):
            if isinstance(item, ExternalRefItem):
                found[item.ref] = MessageRef(int(item.ticket_number), item.message_sk, item.direction)
            elif isinstance(item, IdentityItem):
                owner = identity_owner(item)
        return Lookup(found, owner)

    def claim_ref(self, ref: str, number: int, direction: str, message_key: str | None = None) -> bool:
        """Records an external id once; False when it was already recorded (a redelivery)."""
        try:
            _external_ref_item(ref, number, direction, message_key).save(
                condition=ExternalRefItem.pk.does_not_exist()
            )
        except PutError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
            return False
        return True

    def message(self, number: int, message_key: str) -> Message:
        try:
            item = MessageItem.get(keys.ticket_pk(number), message_key)
        except DoesNotExist as error:
            raise NotFoundError(f"ticket #{number} has no message {message_key}") from error
        return item_to_message(item)

    def message_key(self, message: Message) -> str:
        return message_key(message)

    def update_message(
        self, number: int, message_key: str, fields: Mapping[str, MessageField], events: Sequence[Event] = ()
    ) -> None:
        """Updates a stored message in place (delivery state, an edited text) with its events."""
        actions = [
            getattr(MessageItem, name).set(list(value) if isinstance(value, tuple) else value)
            for name, value in fields.items()
        ]
        message = MessageItem(keys.ticket_pk(number), message_key)
        if not events:
            try:
                message.update(actions=actions, condition=MessageItem.pk.exists())
            except UpdateError as error:
                raise NotFoundError(f"ticket #{number} has no message {message_key}") from error
            return
        try:
            with TransactWrite(connection=TableItem._get_connection().connection) as transaction:
                transaction.update(message, actions=actions, condition=MessageItem.pk.exists())
                for event in events:
                    transaction.save(event_to_item(event))
        except TransactWriteError as error:
            if _cancellation_codes(error)[:1] == ["ConditionalCheckFailed"]:
                raise NotFoundError(f"ticket #{number} has no message {message_key}") from error
            raise

    def find(self, query: TicketQuery) -> Page:
        index, hash_key, range_condition, filters = self._plan(query)
        results = index.query(
            hash_key,
            range_key_condition=range_condition,
            filter_condition=filters,
            scan_index_forward=query.oldest_first,
            limit=query.limit,
            last_evaluated_key=decode_cursor(query.cursor),
        )
        items = [item_to_ticket(item) for item in results if isinstance(item, TicketItem)]
        return Page(items, encode_cursor(results.last_evaluated_key))

    def _plan(self, query: TicketQuery) -> tuple[Any, str, Any, Any]:
        """Chooses the index that serves the view and expresses the other filters on it."""
        status = query.status
        bucket_active = status.is_active if status else True
        bucket = keys.state_bucket(bucket_active)
        assignee = query.assignee
        if query.view == "unassigned":
            assignee = keys.NO_VALUE
        elif query.view == "mine":
            assignee = query.agent_id
        conditions: list[Any] = []
        if assignee is not None:
            index: Any = TableItem.by_assignee
            hash_key = f"TASSIGNEE#{assignee}"
            range_condition = TableItem.assignee_sk.startswith(f"{bucket}#")
            if status is not None:
                conditions.append(TicketItem.status == status.value)
            if query.group is not None:
                conditions.append(TicketItem.group == query.group)
        elif query.group is not None:
            index = TableItem.by_group
            hash_key = f"TGROUP#{query.group}"
            range_condition = TableItem.group_sk.startswith(f"{bucket}#")
            if status is not None:
                conditions.append(TicketItem.status == status.value)
        elif status is not None:
            index = TableItem.by_status
            hash_key = f"TSTATUS#{status.value}"
            range_condition = None
        else:
            index = TableItem.by_state
            hash_key = f"TSTATE#{bucket}"
            range_condition = None
        combined = None
        for condition in conditions:
            combined = condition if combined is None else combined & condition
        return index, hash_key, range_condition, combined

    def updated_before(self, status: Status, before: datetime, limit: int, cursor: str | None = None) -> Page:
        """by_status's sort key is `<updated_iso>#<number:010d>`: every key up to `<before_iso>#~` is a
        ticket updated at or before `before` ("~" sorts after every digit)."""
        results = TableItem.by_status.query(
            f"TSTATUS#{status.value}",
            range_key_condition=TableItem.status_sk <= f"{to_iso(before)}#~",
            scan_index_forward=True,
            limit=limit,
            last_evaluated_key=decode_cursor(cursor),
        )
        items = [item_to_ticket(item) for item in results if isinstance(item, TicketItem)]
        return Page(items, encode_cursor(results.last_evaluated_key))

    def of_customer(self, customer_id: str, limit: int | None = 50) -> list[Ticket]:
        results = TableItem.by_owner.query(
            keys.customer_pk(customer_id),
            range_key_condition=TableItem.owner_sk.startswith("TICKET#"),
            scan_index_forward=False,
            limit=limit,
        )
        return [item_to_ticket(item) for item in results if isinstance(item, TicketItem)]
