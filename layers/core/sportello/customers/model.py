"""Customers and the identities (addresses, phone numbers, provider ids) that lead to them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class IdentityKind(StrEnum):
    EMAIL = "email"
    PHONE = "phone"  # E.164; shared by WhatsApp, SMS and voice so one number is one customer
    MESSENGER = "messenger"
    INSTAGRAM = "instagram"
    TELEGRAM = "telegram"
    SLACK = "slack"
    CHAT = "chat"  # a visitor of the web chat widget, known by the id in their signed session


@dataclass(frozen=True)
class Identity:
    kind: IdentityKind
    value: str

    @classmethod
    def email(cls, address: str) -> Identity:
        return cls(IdentityKind.EMAIL, address.strip().lower())

    @classmethod
    def of(cls, kind: IdentityKind, value: str) -> Identity:
        """An identity in its canonical form, so the same address or number is always one key."""
        if kind is IdentityKind.EMAIL:
            return cls.email(value)
        if kind is IdentityKind.PHONE:
            return cls(kind, normalise_phone(value))
        return cls(kind, value.strip())


def normalise_phone(value: str) -> str:
    """E.164: "+39 333 123 4567", "0039 333…", "whatsapp:+39…" all become "+393331234567"."""
    digits = value.strip().removeprefix("whatsapp:").removeprefix("tel:")
    international = digits.startswith(("+", "00"))
    only_digits = "".join(ch for ch in digits if ch.isdigit())
    if digits.startswith("00"):
        only_digits = only_digits[2:]
    if not only_digits or (not international and len(only_digits) < 8):
        raise ValueError(f"not a phone number in international form: {value!r}")
    return f"+{only_digits}"


@dataclass
class Customer:
    id: str
    name: str
    created_at: datetime
    language: str | None = None
    identities: list[Identity] = field(default_factory=list)
    merged_into: str | None = None  # set on a customer merged into another: follow it
    # Traits routing reads: a VIP's request is raised in priority; an organisation may have its own.
    vip: bool = False
    organisation: str | None = None

    @property
    def email(self) -> str | None:
        return next((i.value for i in self.identities if i.kind is IdentityKind.EMAIL), None)

    @property
    def card(self) -> CustomerCard:
        return CustomerCard(self.id, self.name, self.language, self.email)


@dataclass(frozen=True)
class CustomerCard:
    """A customer as a new message needs them: who they are, what to call them, language and email.

    Kept on each of the customer's identity items too, so an intake knows a sender from the identity
    it looks up anyway (no read of the customer and their identities per message).
    """

    id: str
    name: str
    language: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class IdentityOwner:
    """What an identity's own item says about the customer who owns it."""

    customer_id: str
    # None for identity items stored before the card was kept on them: read the customer instead.
    card: CustomerCard | None = None
