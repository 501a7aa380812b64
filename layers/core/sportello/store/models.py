"""PynamoDB items of the single table. Only `sportello.store` imports this module.

Every item type is a subclass of `TableItem`, told apart by the `item_type` discriminator, so one
query on a ticket's partition returns the ticket, its messages and its events already typed.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    DiscriminatorAttribute,
    JSONAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.constants import STREAM_NEW_AND_OLD_IMAGE
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from ..config import settings
from ..tickets.stream import EVENT_ITEM_TYPE
from . import schema


def _index(spec: schema.IndexSpec) -> type[GlobalSecondaryIndex[Any]]:
    # Built with type() so PynamoDB's metaclass sees the key attributes named by the shared schema.
    meta = type("Meta", (), {"index_name": spec.name, "projection": AllProjection()})
    namespace = {
        "Meta": meta,
        spec.partition_key: UnicodeAttribute(hash_key=True),
        spec.sort_key: UnicodeAttribute(range_key=True),
    }
    return type(f"{spec.name}_index", (GlobalSecondaryIndex,), namespace)


def _build_indexes() -> dict[str, type[GlobalSecondaryIndex[Any]]]:
    return {spec.name: _index(spec) for spec in schema.INDEXES}


_INDEX_CLASSES = _build_indexes()


class TableItem(Model):
    class Meta:
        table_name = settings().table_name
        billing_mode = "PAY_PER_REQUEST"
        # As the CDK stack deploys it: the stream carries ticket events to their subscribers.
        stream_view_type = STREAM_NEW_AND_OLD_IMAGE

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    item_type = DiscriminatorAttribute()

    state_pk = UnicodeAttribute(null=True)
    state_sk = UnicodeAttribute(null=True)
    status_pk = UnicodeAttribute(null=True)
    status_sk = UnicodeAttribute(null=True)
    assignee_pk = UnicodeAttribute(null=True)
    assignee_sk = UnicodeAttribute(null=True)
    group_pk = UnicodeAttribute(null=True)
    group_sk = UnicodeAttribute(null=True)
    owner_pk = UnicodeAttribute(null=True)
    owner_sk = UnicodeAttribute(null=True)
    due_pk = UnicodeAttribute(null=True)
    due_sk = UnicodeAttribute(null=True)
    expires_at = NumberAttribute(null=True)

    by_state = _INDEX_CLASSES["by_state"]()
    by_status = _INDEX_CLASSES["by_status"]()
    by_assignee = _INDEX_CLASSES["by_assignee"]()
    by_group = _INDEX_CLASSES["by_group"]()
    by_owner = _INDEX_CLASSES["by_owner"]()
    by_due = _INDEX_CLASSES["by_due"]()


class AttachmentMap(MapAttribute[str, Any]):
    id = UnicodeAttribute()
    filename = UnicodeAttribute()
    content_type = UnicodeAttribute()
    size = NumberAttribute()
    key = UnicodeAttribute()
    content_id = UnicodeAttribute(null=True)
    inline = BooleanAttribute(default=False)


class TicketItem(TableItem, discriminator="ticket"):
    number = NumberAttribute()
    subject = UnicodeAttribute()
    status = UnicodeAttribute()
    priority = UnicodeAttribute()
    ticket_type = UnicodeAttribute(null=True)
    tags = ListAttribute(of=UnicodeAttribute, default=list)
    group = UnicodeAttribute(null=True)
    assignee = UnicodeAttribute(null=True)
    channel = UnicodeAttribute()
    requester_id = UnicodeAttribute()
    requester_name = UnicodeAttribute()
    requester_email = UnicodeAttribute(null=True)
    language = UnicodeAttribute()
    custom_fields = JSONAttribute(default=dict)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    first_reply_at = UnicodeAttribute(null=True)
    solved_at = UnicodeAttribute(null=True)
    channel_address = UnicodeAttribute(null=True)
    version = VersionAttribute()
    # Written by the ticket-events consumer alone, without a new version (see TicketRepository).
    last_activity_at = UnicodeAttribute(null=True)


class MessageItem(TableItem, discriminator="message"):
    id = UnicodeAttribute()
    ticket_number = NumberAttribute()
    author_type = UnicodeAttribute()
    author_id = UnicodeAttribute(null=True)
    author_name = UnicodeAttribute()
    public = BooleanAttribute()
    channel = UnicodeAttribute()
    text = UnicodeAttribute()
    full_text = UnicodeAttribute()
    html = UnicodeAttribute(null=True)
    attachments = ListAttribute(of=AttachmentMap, default=list)
    external_id = UnicodeAttribute(null=True)
    delivery_status = UnicodeAttribute(null=True)
    auto_submitted = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    stored_bodies = ListAttribute(of=UnicodeAttribute, null=True)
    omitted_attachments = NumberAttribute(null=True)


class EventItem(TableItem, discriminator=EVENT_ITEM_TYPE):
    id = UnicodeAttribute()
    ticket_number = NumberAttribute()
    kind = UnicodeAttribute()
    actor = UnicodeAttribute()
    data = JSONAttribute(default=dict)
    created_at = UnicodeAttribute()
    correlation_id = UnicodeAttribute(null=True)  # absent on events stored before it was kept


class CustomerItem(TableItem, discriminator="customer"):
    id = UnicodeAttribute()
    name = UnicodeAttribute()
    language = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    merged_into = UnicodeAttribute(null=True)
    vip = BooleanAttribute(null=True)
    organisation = UnicodeAttribute(null=True)


class IdentityItem(TableItem, discriminator="identity"):
    kind = UnicodeAttribute()
    value = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    created_at = UnicodeAttribute()
    # The owner's card (CustomerCard), so an intake knows the sender from this item alone. Absent on
    # identities stored before it was kept here (and until a merge's move is described): read the customer.
    customer_name = UnicodeAttribute(null=True)
    customer_language = UnicodeAttribute(null=True)
    customer_email = UnicodeAttribute(null=True)


class ExternalRefItem(TableItem, discriminator="external_ref"):
    """Maps an id the outside world knows a message by to our ticket (and message).

    Mail: the RFC 5322 Message-ID, ours or a customer's. Messaging providers: "<provider>:<id>".
    Claimed with a conditional put, which is what makes redelivered input create nothing twice.
    """

    ref = UnicodeAttribute()
    ticket_number = NumberAttribute()
    direction = UnicodeAttribute()
    message_sk = UnicodeAttribute(null=True)


class CounterItem(TableItem, discriminator="counter"):
    value = NumberAttribute(default=0)


class RateCounterItem(TableItem, discriminator="rate_counter"):
    """Uses of a rate-limited key in one time window; expires by TTL."""

    uses = NumberAttribute(default=0)


class QuarantineItem(TableItem, discriminator="quarantine"):
    id = UnicodeAttribute()
    received_at = UnicodeAttribute()
    reason = UnicodeAttribute()
    raw_key = UnicodeAttribute()
    sender = UnicodeAttribute(null=True)
    subject = UnicodeAttribute(null=True)
    channel = UnicodeAttribute()


class ProcessedEventItem(TableItem, discriminator="processed_event"):
    """A subscriber handled an event: its redelivery changes nothing. Expires by TTL (`expires_at`)."""

    subscriber = UnicodeAttribute()
    event_id = UnicodeAttribute()


class AgentItem(TableItem, discriminator="agent"):
    id = UnicodeAttribute()
    email = UnicodeAttribute()
    name = UnicodeAttribute()
    groups = ListAttribute(of=UnicodeAttribute, default=list)
    role = UnicodeAttribute(default="agent")


class GroupItem(TableItem, discriminator="group"):
    id = UnicodeAttribute()
    name = UnicodeAttribute()
    # How routing assigns the group's tickets, and to whom (store/routing.py).
    strategy = UnicodeAttribute(null=True)
    members = ListAttribute(of=UnicodeAttribute, null=True)
    description = UnicodeAttribute(null=True)


class RuleItem(TableItem, discriminator="rule"):
    """A trigger or automation, as the JSON the admin API accepted (routing/rules.py reads it back)."""

    data = JSONAttribute(default=dict)


class SettingItem(TableItem, discriminator="setting"):
    """One of the desk's settings documents (routing classification, business calendar)."""

    data = JSONAttribute(default=dict)


def create_table() -> None:
    """Creates the table with every index (tests and the local cloud; CDK deploys it in AWS)."""
    if not TableItem.exists():
        TableItem.create_table(billing_mode="PAY_PER_REQUEST", wait=True)


class AgentProfileItem(TableItem, discriminator="agent_profile"):
    """What routing knows of an agent (store/presence.py): always written with UpdateItem, so setting the
    status never overwrites the count and saving the capacity never overwrites the status."""

    agent_id = UnicodeAttribute()
    status = UnicodeAttribute(null=True)
    capacity = NumberAttribute(null=True)
    languages = ListAttribute(of=UnicodeAttribute, null=True)
    skills = ListAttribute(of=UnicodeAttribute, null=True)
    open_tickets = NumberAttribute(null=True)
    last_assigned_at = UnicodeAttribute(null=True)
    status_changed_at = UnicodeAttribute(null=True)


class HoldItem(TableItem, discriminator="hold"):
    """A ticket holds one unit of its agent's open-ticket count (at most one hold per ticket)."""

    ticket_number = NumberAttribute()
    agent_id = UnicodeAttribute()
    taken_at = UnicodeAttribute(null=True)  # set by a take (routing's assignment), not by a settle


class SlaItem(TableItem, discriminator="sla"):
    """A ticket's SLA record (store/sla.py), in the ticket's partition. Indexed by its next alert
    (`by_due`, only while one is to be sent) and by its earliest due time (`by_state`, while running)."""

    ticket_number = NumberAttribute()
    policy_id = UnicodeAttribute(null=True)
    policy_name = UnicodeAttribute(null=True)
    clocks = JSONAttribute(default=list)
    alerts = JSONAttribute(default=dict)
    version = VersionAttribute()
