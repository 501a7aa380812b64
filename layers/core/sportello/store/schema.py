"""The single-table layout, as plain data shared by the PynamoDB models and the CDK construct.

Keeping the key names here means the table the tests create, the one the local cloud creates and the
one CloudFormation deploys cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

PARTITION_KEY = "pk"
SORT_KEY = "sk"
TTL_ATTRIBUTE = "expires_at"


@dataclass(frozen=True)
class IndexSpec:
    name: str
    partition_key: str
    sort_key: str
    purpose: str


INDEXES: tuple[IndexSpec, ...] = (
    IndexSpec(
        "by_state",
        "state_pk",
        "state_sk",
        # Overloaded: SLA records with a running target sit in partitions of their own ("SLARISK#…").
        "all active (or done) tickets, most recently updated first; SLA records by due time",
    ),
    IndexSpec("by_status", "status_pk", "status_sk", "tickets in one status, most recently updated first"),
    IndexSpec("by_assignee", "assignee_pk", "assignee_sk", "an agent's (or nobody's) active/done tickets"),
    IndexSpec("by_group", "group_pk", "group_sk", "a group's active/done tickets"),
    IndexSpec("by_owner", "owner_pk", "owner_sk", "a customer's tickets and identities, across channels"),
    # Sparse and sharded: only SLA records with an alert still to send are in it, keyed on when it is due,
    # so the per-minute sweep reads what is due and nothing else (store/sla.py). CloudFormation adds one
    # index per table update: a later index waits for the next release.
    IndexSpec("by_due", "due_pk", "due_sk", "SLA records by the time their next alert is due"),
)
