"""Classification: the priority and tags a new request deserves, each with the reason it was given."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..customers.model import Customer
from ..tickets.model import Priority, Ticket
from .model import Classification
from .rules import first_word_match

PRIORITY_RANK = {Priority.LOW: 0, Priority.NORMAL: 1, Priority.HIGH: 2, Priority.URGENT: 3}


@dataclass(frozen=True)
class Decision:
    field: str  # priority | tags | group
    value: object
    reason: str


def _words(table: Mapping[str, tuple[str, ...]], language: str) -> tuple[str, ...]:
    """The words in the ticket's language first, then every other language's (customers mix them)."""
    ordered = [language, *sorted(k for k in table if k != language)]
    return tuple(word for key in ordered for word in table.get(key, ()))


def classify(
    ticket: Ticket, customer: Customer | None, text: str, settings: Classification
) -> list[Decision]:
    """What to change on the ticket, and why. Priority only ever rises: an agent's choice stays."""
    content = f"{ticket.subject}\n{text}"
    candidates: list[tuple[Priority, str]] = []
    urgent = first_word_match(content, _words(settings.urgent_words, ticket.language))
    if urgent:
        candidates.append((Priority.URGENT, f"matched '{urgent}'"))
    high = first_word_match(content, _words(settings.high_words, ticket.language))
    if high:
        candidates.append((Priority.HIGH, f"matched '{high}'"))
    if customer is not None and customer.vip:
        candidates.append((settings.vip_priority, "VIP customer"))
    organisation = customer.organisation if customer is not None else None
    if organisation is not None and organisation in settings.organisation_priority:
        priority = settings.organisation_priority[organisation]
        candidates.append((priority, f"organisation {organisation}"))
    if ticket.channel in settings.channel_priority:
        candidates.append((settings.channel_priority[ticket.channel], f"{ticket.channel.value} channel"))
    decisions: list[Decision] = []
    best = max(candidates, key=lambda c: PRIORITY_RANK[c[0]], default=None)
    if best is not None and PRIORITY_RANK[best[0]] > PRIORITY_RANK[ticket.priority]:
        decisions.append(Decision("priority", best[0].value, f"{best[0].value}: {best[1]}"))
    tags = set(ticket.tags)
    for tag, words in sorted(settings.tag_words.items()):
        matched = first_word_match(content, words)
        if matched and tag not in tags:
            decisions.append(Decision("tags", tag, f"tag {tag}: matched '{matched}'"))
            tags.add(tag)
    if customer is not None and customer.vip and settings.vip_tag and settings.vip_tag not in tags:
        decisions.append(Decision("tags", settings.vip_tag, f"tag {settings.vip_tag}: VIP customer"))
    if customer is not None and customer.organisation:
        tag = "org-" + "-".join(customer.organisation.lower().split())[:60]
        if tag not in tags:
            decisions.append(Decision("tags", tag, f"tag {tag}: organisation {customer.organisation}"))
    if ticket.group is None and settings.default_group:
        decisions.append(Decision("group", settings.default_group, "the desk's default group"))
    return decisions
