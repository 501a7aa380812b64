"""Routes of the agent API. Each calls one domain function; errors map in `errors.py`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BaseModel, Field

from ..agents import Agent, Role
from ..app import sportello
from ..clock import utc_now
from ..customers.model import IdentityKind
from ..routing.model import MAX_CAPACITY, AgentProfile, AgentStatus
from ..routing.offers import CAME_ONLINE, GOT_MORE_ROOM
from ..tickets.merge import merge_customers
from ..tickets.model import Channel, Priority, Status, Ticket, TicketType
from ..tickets.ports import TicketQuery
from ..tickets.service import TicketChanges, normalise_tags
from . import access
from .views import (
    agent_view,
    customer_view,
    event_view,
    group_view,
    message_view,
    presence_fields,
    presence_view,
    quarantine_view,
    sla_badge,
    sla_view,
    ticket_view,
)

router = Router()


def current_agent(role: Role = Role.AGENT) -> Agent:
    return access.current_agent(router, role)


class ReplyBody(BaseModel):
    body: str = Field(min_length=1, max_length=100_000)
    public: bool = True
    channel: Channel | None = Field(default=None, description="reply on another of the customer's channels")


class TicketPatch(BaseModel):
    version: int
    status: Status | None = None
    priority: Priority | None = None
    type: TicketType | None = None
    tags: list[str] | None = None
    group: str | None = None
    assignee: str | None = None


@router.get("/me")
def me() -> dict[str, Any]:
    agent = current_agent()
    return agent_view(agent) | presence_fields(sportello().presence.profile(agent.id))


@router.get("/agents")
def agents() -> dict[str, Any]:
    current_agent()
    return {"items": [agent_view(a) for a in sportello().directory.agents()]}


@router.get("/groups")
def groups() -> dict[str, Any]:
    current_agent()
    return {"items": [group_view(g) for g in sportello().directory.groups()]}


@router.get("/tickets")
def list_tickets(
    view: Annotated[Literal["unassigned", "mine", "all"], Query()] = "all",
    status: Annotated[Status | None, Query()] = None,
    group: Annotated[str | None, Query()] = None,
    assignee: Annotated[str | None, Query()] = None,
    cursor: Annotated[str | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
) -> dict[str, Any]:
    agent = current_agent()
    query = TicketQuery(view, agent.id, status, group, assignee, cursor, limit)
    page = sportello().tickets.find(query)
    return {"items": tickets_with_sla(page.items), "next_cursor": page.next_cursor}


def tickets_with_sla(tickets: list[Ticket]) -> list[dict[str, Any]]:
    """Each ticket with its countdown badge (one batch read of their SLA records)."""
    if not tickets:
        return []
    sla = sportello().sla
    records = sla.records([ticket.number for ticket in tickets])
    now, calendar = utc_now(), sla.calendar()
    return [ticket_view(t) | {"sla": sla_badge(records.get(t.number), now, calendar)} for t in tickets]


@router.get("/tickets/<number>")
def get_ticket(number: int) -> dict[str, Any]:
    current_agent()
    app = sportello()
    history = app.tickets.history(number)
    requester = app.customers.get(history.ticket.requester.id)
    return {
        "ticket": ticket_view(history.ticket),
        "sla": sla_view(app.sla.record(number), utc_now(), app.sla.calendar()),
        "messages": [message_view(m, app.blobs) for m in history.messages],
        "events": [event_view(e) for e in history.events],
        "requester": customer_view(requester, app.tickets.tickets_of(requester.id)),
    }


@router.post("/tickets/<number>/messages")
def add_message(number: int, reply: ReplyBody) -> Response[dict[str, Any]]:
    app = sportello()
    message, ticket = app.tickets.reply(number, current_agent(), reply.body, reply.public, reply.channel)
    return Response(
        status_code=201,
        content_type="application/json",
        body={"message": message_view(message, app.blobs), "ticket": ticket_view(ticket)},
    )


@router.patch("/tickets/<number>")
def update_ticket(number: int, patch: TicketPatch) -> dict[str, Any]:
    fields = patch.model_fields_set - {"version"}
    changes = TicketChanges(
        status=patch.status,
        priority=patch.priority,
        type=patch.type,
        tags=patch.tags,
        group=patch.group or None,
        assignee=patch.assignee or None,
        clear=frozenset(name for name in fields if getattr(patch, name) in (None, "")),
    )
    ticket = sportello().tickets.update(number, current_agent(), changes, patch.version)
    return {"ticket": ticket_view(ticket)}


@router.get("/customers/lookup")
def find_customer(
    kind: Annotated[IdentityKind, Query()],
    value: Annotated[str, Query(min_length=1, max_length=320)],
) -> dict[str, Any]:
    """The customer known by an identity (to merge them, or to open their history)."""
    current_agent()
    customer_id = sportello().customers.find_by_identity(kind, value)
    return _customer_page(customer_id)


@router.get("/customers/<customer_id>")
def get_customer(customer_id: str) -> dict[str, Any]:
    current_agent()
    return _customer_page(customer_id)


class IdentityBody(BaseModel):
    kind: IdentityKind
    value: str = Field(min_length=1, max_length=320)


class MergeBody(BaseModel):
    source: str = Field(min_length=1, description="the customer to merge into this one")


def _customer_page(customer_id: str) -> dict[str, Any]:
    app = sportello()
    return customer_view(app.customers.get(customer_id), app.tickets.tickets_of(customer_id))


@router.post("/customers/<customer_id>/identities")
def add_identity(customer_id: str, body: IdentityBody) -> Response[dict[str, Any]]:
    current_agent()
    sportello().customers.link_identity(customer_id, body.kind, body.value)
    return Response(status_code=201, content_type="application/json", body=_customer_page(customer_id))


class TraitsBody(BaseModel):
    vip: bool | None = Field(default=None, description="a VIP's requests are raised in priority")
    organisation: str | None = Field(default=None, max_length=200, description="empty: none")


@router.patch("/customers/<customer_id>")
def set_customer_traits(customer_id: str, body: TraitsBody) -> dict[str, Any]:
    """Marks a customer VIP (or not) and sets their organisation; a field left out stays as it is."""
    current_agent()
    customers = sportello().customers
    customer = customers.get(customer_id)
    vip = customer.vip if body.vip is None else body.vip
    organisation = customer.organisation if "organisation" not in body.model_fields_set else body.organisation
    customers.set_traits(customer_id, vip, organisation)
    return _customer_page(customer_id)


@router.post("/customers/<customer_id>/merge")
def merge_customer(customer_id: str, body: MergeBody) -> dict[str, Any]:
    app = sportello()
    merge_customers(app.customers, app.tickets, customer_id, body.source, current_agent())
    return _customer_page(customer_id)


@router.get("/quarantine")
def list_quarantine(cursor: Annotated[str | None, Query()] = None) -> dict[str, Any]:
    current_agent()
    page = sportello().quarantine.recent(cursor)
    return {"items": [quarantine_view(r) for r in page.items], "next_cursor": page.next_cursor}


# --- presence: each agent's status, and (admins) their capacity and skills -------------------------------


class StatusBody(BaseModel):
    status: AgentStatus = Field(
        description="online: assignment may give you tickets; away, offline: it may not"
    )


class ProfileBody(BaseModel):
    capacity: int = Field(ge=1, le=MAX_CAPACITY, description="most open tickets assigned at once")
    languages: list[Annotated[str, Field(min_length=2, max_length=16)]] = Field(
        default_factory=list, max_length=20, description="languages the agent answers in (empty: any)"
    )
    skills: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=50, description="ticket tags the agent handles (empty: any)"
    )


@router.put("/me/status")
def set_my_status(body: StatusBody) -> dict[str, Any]:
    """Sets the caller's status; coming online assigns them the waiting tickets of their groups."""
    agent = current_agent()
    app = sportello()
    profile = app.presence.set_status(agent.id, body.status, utc_now())
    offered = app.offers.offer(agent.id, CAME_ONLINE) if body.status is AgentStatus.ONLINE else []
    if offered:
        profile = app.presence.profile(agent.id)
    return presence_view(profile, offered)


@router.put("/agents/<agent_id>/profile", tags=["admin"])
def save_agent_profile(agent_id: str, body: ProfileBody) -> dict[str, Any]:
    """Sets an agent's capacity, languages and skills (admins); their status and count stay as they are."""
    current_agent(Role.ADMIN)
    app = sportello()
    app.presence.save_profile(
        AgentProfile(
            agent_id,
            capacity=body.capacity,
            languages=frozenset(language.strip().lower() for language in body.languages if language.strip()),
            skills=frozenset(normalise_tags(body.skills)),
        )
    )
    offered = app.offers.offer(agent_id, GOT_MORE_ROOM)
    profile = app.presence.profile(agent_id)
    return presence_view(profile, offered)
