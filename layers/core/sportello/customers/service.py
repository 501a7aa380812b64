"""Finding the one customer behind an identity, creating them on first contact; linking identities."""

from __future__ import annotations

from ..clock import utc_now
from ..errors import ConflictError, InvalidRequestError, NotFoundError
from ..ids import new_id
from ..retry import retry_on_conflict
from .model import Customer, CustomerCard, Identity, IdentityKind, IdentityOwner
from .ports import CustomerRepository, IdentityTakenError

RESOLVE_ATTEMPTS = 3
# A display name comes from the sender (a mail's From, a chat profile): it is shown, never trusted to be
# short, and it is copied into every ticket and message of the customer.
MAX_NAME_LENGTH = 200


MAX_ORGANISATION_LENGTH = 200


def default_name(identity: Identity) -> str:
    if identity.kind is IdentityKind.EMAIL:
        return identity.value.split("@", 1)[0]
    return identity.value


class CustomerService:
    def __init__(self, customers: CustomerRepository) -> None:
        self._customers = customers

    def resolve(self, identity: Identity, name: str = "", language: str | None = None) -> Customer:
        """Returns the customer owning `identity`; concurrent first contacts still yield one customer."""

        def attempt() -> Customer:
            customer_id = self._customers.customer_id_for(identity)
            if customer_id is not None:
                return self._customers.get(customer_id)
            customer = self.new_customer(identity, name, language)
            self._customers.create(customer)  # IdentityTakenError: someone else was first, read theirs
            return customer

        return retry_on_conflict(
            attempt,
            attempts=RESOLVE_ATTEMPTS,
            conflicts=(IdentityTakenError,),
            gave_up=f"could not resolve the customer for {identity.kind}:{identity.value}",
        )

    def new_customer(self, identity: Identity, name: str = "", language: str | None = None) -> Customer:
        """A customer for a first contact, not yet stored: the ticket service writes them together with
        their first ticket (one transaction), or `resolve` on its own."""
        return Customer(
            id=new_id(),
            name=(name.strip() or default_name(identity))[:MAX_NAME_LENGTH],
            created_at=utc_now(),
            language=language,
            identities=[identity],
        )

    def owner(self, identity: Identity) -> IdentityOwner | None:
        return self._customers.owner(identity)

    def card_of(self, owner: IdentityOwner) -> CustomerCard:
        """The owner's card as their identity item keeps it; identity items stored before the card was
        kept there have none, so for those the customer is read (a GetItem and a Query): old data works."""
        if owner.card is not None:
            return owner.card
        return self._customers.get(owner.customer_id).card

    def find_by_identity(self, kind: IdentityKind, value: str) -> str:
        try:
            identity = Identity.of(kind, value)
        except ValueError as error:
            raise InvalidRequestError(str(error)) from error
        customer_id = self._customers.customer_id_for(identity)
        if customer_id is None:
            raise NotFoundError(f"no customer has the {kind.value} {identity.value}")
        return customer_id

    def customer_id_for(self, identity: Identity) -> str | None:
        return self._customers.customer_id_for(identity)

    def get(self, customer_id: str) -> Customer:
        return self._customers.get(customer_id)

    def link_identity(self, customer_id: str, kind: IdentityKind, value: str) -> Customer:
        """An agent adds a contact to a customer; one owned by another customer is a conflict (merge)."""
        try:
            identity = Identity.of(kind, value)
        except ValueError as error:
            raise InvalidRequestError(str(error)) from error
        self._customers.get(customer_id)  # must exist
        if not self._customers.add_identity(customer_id, identity):
            owner = self._customers.customer_id_for(identity)
            if owner != customer_id:
                raise ConflictError(
                    f"{kind.value} {identity.value} belongs to customer {owner}: merge the two instead"
                )
        customer = self._customers.get(customer_id)
        self._customers.describe_identities(customer)  # the new identity's card, and an email gained
        return customer

    def absorb(self, target_id: str, source_id: str) -> tuple[Customer, Customer]:
        """Moves the source's identities to the target; returns both as they were before the move."""
        if target_id == source_id:
            raise InvalidRequestError("a customer cannot be merged into itself")
        target = self._customers.get(target_id)
        source = self._customers.get(source_id)
        if target.merged_into:
            raise InvalidRequestError(
                f"customer {target_id} was merged into {target.merged_into}; merge into that one"
            )
        for identity in source.identities:
            self._customers.move_identity(identity, source_id, target_id)
        # Every identity now leads to the target: each keeps the target's card (name, email).
        self._customers.describe_identities(self._customers.get(target_id))
        return target, source

    def set_traits(self, customer_id: str, vip: bool, organisation: str | None) -> Customer:
        """Marks a customer VIP (or not) and sets their organisation; routing reads both."""
        organisation = (organisation or "").strip() or None
        if organisation is not None and len(organisation) > MAX_ORGANISATION_LENGTH:
            raise InvalidRequestError(f"the organisation is longer than {MAX_ORGANISATION_LENGTH} characters")
        self._customers.set_traits(customer_id, vip, organisation)
        return self._customers.get(customer_id)

    def mark_merged(self, source_id: str, target_id: str) -> None:
        self._customers.mark_merged(source_id, target_id)
