"""Customers and their identities in DynamoDB; an identity belongs to one customer (conditional write)."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from ..clock import from_iso, to_iso, utc_now
from ..customers.model import Customer, Identity, IdentityKind
from ..customers.ports import IdentityTakenError
from ..errors import NotFoundError
from . import keys
from .models import CustomerItem, IdentityItem, TableItem


def _identity_item(identity: Identity, customer_id: str, created_iso: str) -> IdentityItem:
    return IdentityItem(
        pk=keys.identity_pk(identity.kind.value, identity.value),
        sk=keys.IDENTITY_SK,
        kind=identity.kind.value,
        value=identity.value,
        customer_id=customer_id,
        created_at=created_iso,
        owner_pk=keys.customer_pk(customer_id),
        owner_sk=keys.identity_owner_sk(identity.kind.value, identity.value),
    )


class DynamoCustomerRepository:
    """`CustomerRepository` on the single table; an identity is its own item, owned by one customer."""

    def customer_id_for(self, identity: Identity) -> str | None:
        try:
            item = IdentityItem.get(keys.identity_pk(identity.kind.value, identity.value), keys.IDENTITY_SK)
        except DoesNotExist:
            return None
        return str(item.customer_id)

    def create(self, customer: Customer) -> None:
        """Creates the customer with its identities, all or nothing."""
        created = to_iso(customer.created_at)
        connection = TableItem._get_connection().connection
        try:
            with TransactWrite(connection=connection) as transaction:
                transaction.save(
                    CustomerItem(
                        pk=keys.customer_pk(customer.id),
                        sk=keys.CUSTOMER_SK,
                        id=customer.id,
                        name=customer.name,
                        language=customer.language,
                        created_at=created,
                    ),
                    condition=CustomerItem.pk.does_not_exist(),
                )
                for identity in customer.identities:
                    transaction.save(
                        _identity_item(identity, customer.id, created),
                        condition=IdentityItem.pk.does_not_exist(),
                    )
        except TransactWriteError as error:
            raise IdentityTakenError(customer.id) from error

    def add_identity(self, customer_id: str, identity: Identity) -> bool:
        """Gives the identity to the customer; False when another customer already owns it."""
        try:
            _identity_item(identity, customer_id, to_iso(utc_now())).save(
                condition=IdentityItem.pk.does_not_exist()
            )
        except PutError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
            return False
        return True

    def move_identity(self, identity: Identity, source_id: str, target_id: str) -> None:
        """Re-points an identity of `source_id` to `target_id` (only if it is still the source's)."""
        item = _identity_item(identity, target_id, to_iso(utc_now()))
        item.save(condition=IdentityItem.customer_id == source_id)

    def mark_merged(self, source_id: str, target_id: str) -> None:
        CustomerItem(keys.customer_pk(source_id), keys.CUSTOMER_SK).update(
            actions=[CustomerItem.merged_into.set(target_id)], condition=CustomerItem.pk.exists()
        )

    def get(self, customer_id: str) -> Customer:
        try:
            item = CustomerItem.get(keys.customer_pk(customer_id), keys.CUSTOMER_SK)
        except DoesNotExist as error:
            raise NotFoundError(f"customer {customer_id} does not exist") from error
        identities = [
            Identity(IdentityKind(identity.kind), identity.value)
            for identity in TableItem.by_owner.query(
                keys.customer_pk(customer_id),
                range_key_condition=TableItem.owner_sk.startswith("IDENTITY#"),
            )
            if isinstance(identity, IdentityItem)
        ]
        return Customer(
            id=item.id,
            name=item.name,
            language=item.language,
            created_at=from_iso(item.created_at),
            identities=identities,
            merged_into=item.merged_into,
            vip=bool(item.vip),
            organisation=item.organisation,
        )

    def set_traits(self, customer_id: str, vip: bool, organisation: str | None) -> None:
        try:
            CustomerItem(keys.customer_pk(customer_id), keys.CUSTOMER_SK).update(
                actions=[
                    CustomerItem.vip.set(vip),
                    CustomerItem.organisation.set(organisation)
                    if organisation
                    else CustomerItem.organisation.remove(),
                ],
                condition=CustomerItem.pk.exists(),
            )
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
            raise NotFoundError(f"customer {customer_id} does not exist") from error
