"""Finding the one customer behind an identity, creating them on first contact."""

from __future__ import annotations

from ..clock import utc_now
from ..errors import InvalidRequestError, NotFoundError
from ..ids import new_id
from ..store.customers import CustomerRepository, IdentityTakenError
from .model import Customer, Identity, IdentityKind


def default_name(identity: Identity) -> str:
    if identity.kind is IdentityKind.EMAIL:
        return identity.value.split("@", 1)[0]
    return identity.value


class CustomerService:
    def __init__(self, customers: CustomerRepository) -> None:
        self._customers = customers

    def resolve(self, identity: Identity, name: str = "", language: str | None = None) -> Customer:
        """Returns the customer owning `identity`; concurrent first contacts still yield one customer."""
        for _attempt in range(3):
            customer_id = self._customers.customer_id_for(identity)
            if customer_id is not None:
                return self._customers.get(customer_id)
            customer = Customer(
                id=new_id(),
                name=name.strip() or default_name(identity),
                created_at=utc_now(),
                language=language,
                identities=[identity],
            )
            try:
                self._customers.create(customer)
            except IdentityTakenError:
                continue  # someone else created it first: read theirs
            return customer
        raise RuntimeError(f"could not resolve the customer for {identity.kind}:{identity.value}")

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
