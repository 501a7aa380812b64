"""Key formats of the single table, in one place."""

from __future__ import annotations

import hashlib

NO_VALUE = "-"


def ticket_pk(number: int) -> str:
    return f"TICKET#{number}"


TICKET_SK = "TICKET"


def message_sk(created_iso: str, message_id: str) -> str:
    return f"MSG#{created_iso}#{message_id}"


def event_sk(created_iso: str, event_id: str) -> str:
    return f"EVT#{created_iso}#{event_id}"


def customer_pk(customer_id: str) -> str:
    return f"CUSTOMER#{customer_id}"


CUSTOMER_SK = "CUSTOMER"


# DynamoDB refuses a partition key over 2,048 bytes and a sort key over 1,024. Longer values (an absurd
# Message-ID, a hostile address) are keyed by their digest; the item keeps the original. Shorter keys
# are left exactly as they always were, so nothing stored before changes its key.
MAX_PARTITION_KEY_BYTES = 2048
MAX_SORT_KEY_BYTES = 1024


def bounded_key(key: str, limit: int = MAX_PARTITION_KEY_BYTES) -> str:
    """`key`, or, when DynamoDB would refuse it, its prefix with a digest of the rest."""
    if len(key.encode()) <= limit:
        return key
    prefix, _, rest = key.partition("#")
    return f"{prefix}#sha256:{hashlib.sha256(rest.encode()).hexdigest()}"


def identity_pk(kind: str, value: str) -> str:
    return bounded_key(f"IDENTITY#{kind}#{value}")


def identity_owner_sk(kind: str, value: str) -> str:
    """An identity's place among its customer's items (the by_owner index)."""
    return bounded_key(f"IDENTITY#{kind}#{value}", MAX_SORT_KEY_BYTES)


IDENTITY_SK = "IDENTITY"


def external_ref_pk(ref: str) -> str:
    return bounded_key(f"REF#{ref}")


EXTERNAL_REF_SK = "REF"

COUNTER_PK = "COUNTER"
TICKET_COUNTER_SK = "tickets"


def processed_event_pk(subscriber: str, event_id: str) -> str:
    return f"PROCESSED#{subscriber}#{event_id}"


PROCESSED_EVENT_SK = "PROCESSED"

QUARANTINE_PK = "QUARANTINE"
AGENT_PK = "AGENT"
GROUP_PK = "GROUP"
SETTINGS_PK = "SETTINGS"


def rules_pk(kind: str) -> str:
    return f"RULES#{kind}"


def state_bucket(active: bool) -> str:
    return "active" if active else "done"


def view_sort_key(active: bool, updated_iso: str, number: int) -> str:
    return f"{state_bucket(active)}#{updated_iso}#{number:010d}"


# Routing's view of each agent (status, capacity, open-ticket count): one partition, read in batches.
PRESENCE_PK = "PRESENCE"


def hold_pk(number: int) -> str:
    """The ticket's hold on its agent's open-ticket count (store/presence.py)."""
    return f"HOLD#{number}"


HOLD_SK = "HOLD"


SLA_SK = "SLA"  # a ticket's SLA record, in the ticket's partition
# The SLA indexes are split in this many partitions (by ticket number), each read by the sweep: no single
# index partition takes every write of a busy desk.
SLA_SHARDS = 4


def sla_shard(number: int) -> int:
    return number % SLA_SHARDS


def sla_due_pk(shard: int) -> str:
    return f"SLADUE#{shard}"


def sla_risk_pk(shard: int) -> str:
    return f"SLARISK#{shard}"


def moment_key(iso: str, number: int) -> str:
    """`<iso>#<number:010d>`: time order, then ticket order, in one sortable string."""
    return f"{iso}#{number:010d}"
