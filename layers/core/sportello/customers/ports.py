"""What customer handling needs from storage; the store implements it, tests use a fake."""

from __future__ import annotations

from typing import Protocol

from .model import Customer, Identity, IdentityOwner


class IdentityTakenError(Exception):
    """Another writer created this identity first; read it again instead."""


class CustomerRepository(Protocol):
    def customer_id_for(self, identity: Identity) -> str | None: ...

    def owner(self, identity: Identity) -> IdentityOwner | None:
        """Who owns `identity`, with the customer's card when its item keeps one; None: nobody yet."""
        ...

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

    def describe_identities(self, customer: Customer) -> None:
        """Writes the customer's card (name, language, email) on each of its identity items.

        Called where those change or an identity changes hands (a link, a merge), so intakes that
        know a sender by their identity item see the customer as they are.
        """
        ...
