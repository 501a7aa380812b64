"""What customer handling needs from storage; the store implements it, tests use a fake."""

from __future__ import annotations

from typing import Protocol

from .model import Customer, Identity


class IdentityTakenError(Exception):
    """Another writer created this identity first; read it again instead."""


class CustomerRepository(Protocol):
    def customer_id_for(self, identity: Identity) -> str | None: ...

    def get(self, customer_id: str) -> Customer:
        """The customer with its identities; NotFoundError when there is none."""
        ...

    def create(self, customer: Customer) -> None:
        """Creates the customer with its identities, all or nothing; IdentityTakenError if one is owned."""
        ...

    def add_identity(self, customer_id: str, identity: Identity) -> bool:
        """Gives the identity to the customer; False when another customer already owns it."""
        ...

    def move_identity(self, identity: Identity, source_id: str, target_id: str) -> None:
        """Re-points an identity of `source_id` to `target_id` (only if it is still the source's)."""
        ...

    def mark_merged(self, source_id: str, target_id: str) -> None: ...

    def set_traits(self, customer_id: str, vip: bool, organisation: str | None) -> None:
        """Sets the customer's VIP flag and organisation (NotFoundError for an unknown customer)."""
        ...
