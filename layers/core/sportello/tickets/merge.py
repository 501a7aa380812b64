"""Merging two customers into one: their identities, then their tickets, then the source's pointer.

It lives with the tickets because it moves them; the customer side is CustomerService's.
Each step is idempotent, so a merge interrupted halfway is completed by running it again.
"""

from __future__ import annotations

from ..agents import Agent
from ..customers.model import Customer
from ..customers.service import CustomerService
from .model import Requester
from .service import TicketService


def merge_customers(
    customers: CustomerService, tickets: TicketService, target_id: str, source_id: str, agent: Agent
) -> Customer:
    target, source = customers.absorb(target_id, source_id)
    requester = Requester(target.id, target.name, target.email or source.email)
    for ticket in tickets.tickets_of(source_id, limit=None):
        tickets.move_to_customer(ticket.number, requester, source_id, agent.id)
    customers.mark_merged(source_id, target_id)
    return customers.get(target_id)
