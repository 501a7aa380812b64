"""CustomerService: one customer behind each identity, on an in-memory repository."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sportello.customers.model import Customer, Identity, IdentityKind
from sportello.customers.service import MAX_NAME_LENGTH, CustomerService
from sportello.errors import ConflictError, InvalidRequestError, NotFoundError
from tests.fakes import InMemoryCustomerRepository

MARIA = Identity.email("Maria@Example.org")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class FirstContactRace(InMemoryCustomerRepository):
    """Another message from the same new customer creates them between our read and our write."""

    def __init__(self) -> None:
        super().__init__()
        self.raced = False

    def customer_id_for(self, identity: Identity) -> str | None:
        found = super().customer_id_for(identity)
        if found is None and not self.raced:
            self.raced = True
            super().create(Customer("the-other-writer", "Maria", created_at=T0, identities=[identity]))
        return found


def test_the_first_contact_creates_the_customer_with_a_name() -> None:
    repository = InMemoryCustomerRepository()
    customer = CustomerService(repository).resolve(MARIA, "", "it")
    assert (customer.name, customer.language, customer.email) == ("maria", "it", "maria@example.org")
    assert CustomerService(repository).resolve(MARIA, "Someone else").id == customer.id


def test_concurrent_first_contacts_yield_one_customer() -> None:
    repository = FirstContactRace()
    customer = CustomerService(repository).resolve(MARIA, "Maria")
    assert customer.id == "the-other-writer"
    assert list(repository.customers) == ["the-other-writer"]


def test_linking_a_contact_owned_by_another_customer_asks_for_a_merge() -> None:
    repository = InMemoryCustomerRepository()
    service = CustomerService(repository)
    maria = service.resolve(MARIA)
    other = service.resolve(Identity.email("other@example.org"))
    with pytest.raises(ConflictError, match="merge"):
        service.link_identity(other.id, IdentityKind.EMAIL, "maria@example.org")
    linked = service.link_identity(maria.id, IdentityKind.PHONE, "+39 333 123 4567")
    assert Identity.of(IdentityKind.PHONE, "+393331234567") in linked.identities
    assert service.link_identity(maria.id, IdentityKind.EMAIL, "maria@example.org").id == maria.id


def test_a_contact_that_is_not_an_address_is_refused() -> None:
    service = CustomerService(InMemoryCustomerRepository())
    maria = service.resolve(MARIA)
    with pytest.raises(InvalidRequestError):
        service.link_identity(maria.id, IdentityKind.PHONE, "not a number")
    with pytest.raises(NotFoundError):
        service.find_by_identity(IdentityKind.EMAIL, "nobody@example.org")


def test_a_customer_merged_away_cannot_receive_a_merge() -> None:
    service = CustomerService(InMemoryCustomerRepository())
    maria, other = service.resolve(MARIA), service.resolve(Identity.email("other@example.org"))
    service.absorb(maria.id, other.id)
    service.mark_merged(other.id, maria.id)
    third = service.resolve(Identity.email("third@example.org"))
    with pytest.raises(InvalidRequestError, match="merged into"):
        service.absorb(other.id, third.id)


def test_a_display_name_longer_than_a_name_may_be_is_cut() -> None:
    customer = CustomerService(InMemoryCustomerRepository()).resolve(MARIA, "Maria " * 100_000)
    assert customer.name == ("Maria " * 100_000)[:MAX_NAME_LENGTH]
