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
        "by_state", "state_pk", "state_sk", "all active (or done) tickets, most recently updated first"
    ),
    IndexSpec("by_status", "status_pk", "status_sk", "tickets in one status, most recently updated first"),
    IndexSpec("by_assignee", "assignee_pk", "assignee_sk", "an agent's (or nobody's) active/done tickets"),
    IndexSpec("by_group", "group_pk", "group_sk", "a group's active/done tickets"),
    IndexSpec("by_owner", "owner_pk", "owner_sk", "a customer's tickets and identities, across channels"),
)
