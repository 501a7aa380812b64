"""Key formats of the single table, in one place."""

from __future__ import annotations

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


def identity_pk(kind: str, value: str) -> str:
    return f"IDENTITY#{kind}#{value}"


IDENTITY_SK = "IDENTITY"


def external_ref_pk(ref: str) -> str:
    return f"REF#{ref}"


EXTERNAL_REF_SK = "REF"

COUNTER_PK = "COUNTER"
TICKET_COUNTER_SK = "tickets"


def processed_event_pk(subscriber: str, event_id: str) -> str:
    return f"PROCESSED#{subscriber}#{event_id}"


PROCESSED_EVENT_SK = "PROCESSED"

QUARANTINE_PK = "QUARANTINE"
AGENT_PK = "AGENT"
GROUP_PK = "GROUP"


def state_bucket(active: bool) -> str:
    return "active" if active else "done"


def view_sort_key(active: bool, updated_iso: str, number: int) -> str:
    return f"{state_bucket(active)}#{updated_iso}#{number:010d}"
