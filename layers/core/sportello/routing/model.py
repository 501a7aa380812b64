"""Routing's values: who is available, how each group assigns, what the classifier looks for."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from ..tickets.model import Channel, Priority


class AgentStatus(StrEnum):
    ONLINE = "online"
    AWAY = "away"
    OFFLINE = "offline"


class Strategy(StrEnum):
    ROUND_ROBIN = "round_robin"  # the available agent who was given a ticket longest ago
    LEAST_OPEN = "least_open"  # the available agent with the fewest open tickets
    SKILLS = "skills"  # only agents with the ticket's language and tags, then the fewest open
    MANUAL = "manual"  # nobody is assigned automatically: agents pick from the group's queue


DEFAULT_CAPACITY = 10
MAX_CAPACITY = 200


@dataclass(frozen=True)
class AgentProfile:
    """What assignment knows of an agent, beside who they are (`agents.Agent`)."""

    agent_id: str
    status: AgentStatus = AgentStatus.OFFLINE
    capacity: int = DEFAULT_CAPACITY  # most open tickets assigned at once
    languages: frozenset[str] = frozenset()  # e.g. {"it", "en"}; empty: any
    skills: frozenset[str] = frozenset()  # tags the agent handles, e.g. {"billing"}
    open_tickets: int = 0
    last_assigned_at: datetime | None = None
    status_changed_at: datetime | None = None

    @property
    def has_room(self) -> bool:
        return self.open_tickets < self.capacity


@dataclass(frozen=True)
class GroupSettings:
    id: str
    name: str
    strategy: Strategy = Strategy.LEAST_OPEN
    members: tuple[str, ...] = ()  # agent ids
    description: str = ""


@dataclass(frozen=True)
class Classification:
    """What the classifier looks for. Words match whole words, without case or accents."""

    urgent_words: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # by language
    high_words: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    vip_priority: Priority = Priority.HIGH
    channel_priority: Mapping[Channel, Priority] = field(default_factory=dict)
    organisation_priority: Mapping[str, Priority] = field(default_factory=dict)
    # Tags from content: tag -> words that add it (any language).
    tag_words: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    vip_tag: str = "vip"
    default_group: str | None = None


DEFAULT_CLASSIFICATION = Classification(
    urgent_words={
        "it": ("urgente", "bloccato", "bloccata", "bloccati", "non funziona", "fermo", "emergenza", "subito"),
        "en": ("urgent", "blocked", "down", "outage", "emergency", "asap", "not working"),
    },
    high_words={
        "it": ("importante", "errore", "rimborso", "reclamo"),
        "en": ("important", "error", "refund", "complaint"),
    },
    tag_words={
        "billing": ("fattura", "fatture", "pagamento", "rimborso", "invoice", "payment", "refund", "billing"),
        "shipping": ("spedizione", "consegna", "corriere", "shipping", "delivery", "tracking"),
        "account": ("password", "accesso", "login", "account"),
    },
)


class SettingsError(ValueError):
    """Routing settings that cannot be accepted; the message names the part and the reason."""


def _word_table(value: object, path: str) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, Mapping):
        raise SettingsError(f"{path}: must map a key to a list of words")
    table: dict[str, tuple[str, ...]] = {}
    for key, words in value.items():
        if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
            raise SettingsError(f"{path}.{key}: must be a list of non-empty words")
        if len(words) > 200:
            raise SettingsError(f"{path}.{key}: at most 200 words")
        table[str(key)] = tuple(w.strip() for w in words)
    return table


def _priority(value: object, path: str) -> Priority:
    try:
        return Priority(str(value))
    except ValueError:
        raise SettingsError(
            f"{path}: {value!r} is not one of {', '.join(p.value for p in Priority)}"
        ) from None


def classification_from_data(data: Mapping[str, object]) -> Classification:
    default = DEFAULT_CLASSIFICATION
    channel_priority: dict[Channel, Priority] = {}
    raw_channels = data.get("channel_priority", {})
    if not isinstance(raw_channels, Mapping):
        raise SettingsError("channel_priority: must map a channel to a priority")
    for channel, priority in raw_channels.items():
        try:
            channel_priority[Channel(channel)] = _priority(priority, f"channel_priority.{channel}")
        except ValueError as error:
            if isinstance(error, SettingsError):
                raise
            raise SettingsError(f"channel_priority: {channel!r} is not a channel") from None
    raw_orgs = data.get("organisation_priority", {})
    if not isinstance(raw_orgs, Mapping):
        raise SettingsError("organisation_priority: must map an organisation to a priority")
    default_group = data.get("default_group")
    if default_group is not None and not isinstance(default_group, str):
        raise SettingsError("default_group: must be a group id")
    vip_tag = data.get("vip_tag", default.vip_tag)
    if not isinstance(vip_tag, str):
        raise SettingsError("vip_tag: must be text")
    return Classification(
        urgent_words=_word_table(data.get("urgent_words", dict(default.urgent_words)), "urgent_words"),
        high_words=_word_table(data.get("high_words", dict(default.high_words)), "high_words"),
        vip_priority=_priority(data.get("vip_priority", default.vip_priority.value), "vip_priority"),
        channel_priority=channel_priority,
        organisation_priority={
            str(org): _priority(p, f"organisation_priority.{org}") for org, p in raw_orgs.items()
        },
        tag_words=_word_table(data.get("tag_words", dict(default.tag_words)), "tag_words"),
        vip_tag=vip_tag,
        default_group=default_group or None,
    )


def classification_to_data(classification: Classification) -> dict[str, object]:
    return {
        "urgent_words": {k: list(v) for k, v in classification.urgent_words.items()},
        "high_words": {k: list(v) for k, v in classification.high_words.items()},
        "vip_priority": classification.vip_priority.value,
        "channel_priority": {c.value: p.value for c, p in classification.channel_priority.items()},
        "organisation_priority": {o: p.value for o, p in classification.organisation_priority.items()},
        "tag_words": {k: list(v) for k, v in classification.tag_words.items()},
        "vip_tag": classification.vip_tag,
        "default_group": classification.default_group,
    }
