"""Agents' customer housekeeping: linking an identity, merging two customers into one."""

from __future__ import annotations

from dataclasses import replace

from ..agents import Agent
from ..clock import utc_now
from ..errors import ConflictError, InvalidRequestError
from ..ids import new_id
from ..store.customers import CustomerRepository
from ..store.tickets import TicketRepository
from ..tickets.model import Event, Requester
from .model import Customer, Identity, IdentityKind


def link_identity(customers: CustomerRepository, customer_id: str, kind: str, value: str) -> Customer:
    try:
        identity = Identity.of(IdentityKind(kind), value)
    except ValueError as error:
        raise InvalidRequestError(str(error)) from error
    customers.get(customer_id)  # must exist
    if not customers.add_identity(customer_id, identity):
        owner = customers.customer_id_for(identity)
        if owner != customer_id:
            raise ConflictError(f"{kind} {identity.value} belongs to customer {owner}: merge the two instead")
    return customers.get(customer_id)


def merge_customers(
    customers: CustomerRepository, tickets: TicketRepository, target_id: str, source_id: str, agent: Agent
) -> Customer:
    """Moves the source customer's identities and tickets to the target; the source points to it.

    Each step is idempotent, so a merge interrupted halfway is completed by running it again.
    """
    if target_id == source_id:
        raise InvalidRequestError("a customer cannot be merged into itself")
    target = customers.get(target_id)
    source = customers.get(source_id)
    if target.merged_into:
        raise InvalidRequestError(
            f"customer {target_id} was merged into {target.merged_into}; merge into that one"
        )
    for identity in source.identities:
        customers.move_identity(identity, source_id, target_id)
    requester = Requester(target.id, target.name, target.email or source.email)
    for ticket in tickets.of_customer(source_id, limit=None):
        _move_ticket(tickets, ticket.number, requester, source_id, agent)
    customers.mark_merged(source_id, target_id)
    return customers.get(target_id)


def _move_ticket(
    tickets: TicketRepository, number: int, requester: Requester, source_id: str, agent: Agent
) -> None:
    for _attempt in range(5):
        current = tickets.get(number)
        event = Event(
            new_id(), number, "requester_merged", agent.id, utc_now(), {"from": source_id, "to": requester.id}
        )
        try:
            tickets.write(replace(current, requester=requester), events=[event])
        except ConflictError:
            continue
        return
    raise ConflictError(f"ticket #{number} kept changing during the merge; run the merge again")
