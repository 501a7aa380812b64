"""Customers and their identities in DynamoDB; an identity belongs to one customer (conditional write)."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from ..clock import from_iso, to_iso, utc_now
from ..customers.model import Customer, CustomerCard, Identity, IdentityKind, IdentityOwner
from ..customers.ports import IdentityTakenError
from ..errors import NotFoundError
from . import keys
from .models import CustomerItem, IdentityItem, TableItem


def _identity_item(
    identity: Identity, customer_id: str, created_iso: str, card: CustomerCard | None = None
) -> IdentityItem:
    return IdentityItem(
        pk=keys.identity_pk(identity.kind.value, identity.value),
        sk=keys.IDENTITY_SK,
        kind=identity.kind.value,
        value=identity.value,
        customer_id=customer_id,
        created_at=created_iso,
        owner_pk=keys.customer_pk(customer_id),
        owner_sk=keys.identity_owner_sk(identity.kind.value, identity.value),
        customer_name=card.name if card else None,
        customer_language=card.language if card else None,
        customer_email=card.email if card else None,
    )


def identity_owner(item: IdentityItem) -> IdentityOwner:
    """The identity's owner as its item says; no card on items stored before cards were kept."""
    if item.customer_name is None:
        return IdentityOwner(str(item.customer_id))
    card = CustomerCard(item.customer_id, item.customer_name, item.customer_language, item.customer_email)
    return IdentityOwner(str(item.customer_id), card)


def new_customer_items(customer: Customer) -> tuple[CustomerItem, list[IdentityItem]]:
    """A new customer's item and identity items (each with the customer's card), to put only if absent."""
    created = to_iso(customer.created_at)
    item = CustomerItem(
        pk=keys.customer_pk(customer.id),
        sk=keys.CUSTOMER_SK,
        id=customer.id,
        name=customer.name,
        language=customer.language,
        created_at=created,
    )
    card = customer.card
    return item, [_identity_item(identity, customer.id, created, card) for identity in customer.identities]


class DynamoCustomerRepository:
    """`CustomerRepository` on the single table; an identity is its own item, owned by one customer."""

    def customer_id_for(self, identity: Identity) -> str | None:
        try:
            item = IdentityItem.get(keys.identity_pk(identity.kind.value, identity.value), keys.IDENTITY_SK)
        except DoesNotExist:
            return None
        return str(item.customer_id)

    def owner(self, identity: Identity) -> IdentityOwner | None:
        try:
            item = IdentityItem.get(keys.identity_pk(identity.kind.value, identity.value), keys.IDENTITY_SK)
        except DoesNotExist:
            return None
        return identity_owner(item)

    def create(self, customer: Customer) -> None:
        """Creates the customer with its identities, all or nothing."""
        customer_item, identity_items = new_customer_items(customer)
        connection = TableItem._get_connection().connection
        try:
            with TransactWrite(connection=connection) as transaction:
                transaction.save(customer_item, condition=CustomerItem.pk.does_not_exist())
                for identity_item in identity_items:
                    transaction.save(identity_item, condition=IdentityItem.pk.does_not_exist())
        except TransactWriteError as error:
            raise IdentityTakenError(customer.id) from error

    def describe_identities(self, customer: Customer) -> None:
        """One UpdateItem per identity (a link or a merge: rare), each only while the customer owns it."""
        card = customer.card
        for identity in customer.identities:
            key = keys.identity_pk(identity.kind.value, identity.value)
            try:
                IdentityItem(key, keys.IDENTITY_SK).update(
                    actions=[
                        IdentityItem.customer_name.set(card.name),
                        IdentityItem.customer_language.set(card.language)
                        if card.language
                        else IdentityItem.customer_language.remove(),
                        IdentityItem.customer_email.set(card.email)
                        if card.email
                        else IdentityItem.customer_email.remove(),
                    ],
                    condition=IdentityItem.customer_id == customer.id,
                )
            except UpdateError as error:
                # It changed hands meanwhile (another merge): its new owner's describe writes it.
                if error.cause_response_code != "ConditionalCheckFailedException":
                    raise

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
