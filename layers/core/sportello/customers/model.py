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


@dataclass(frozen=True)
class Identity:
    kind: IdentityKind
    value: str

    @classmethod
    def email(cls, address: str) -> Identity:
        return cls(IdentityKind.EMAIL, address.strip().lower())


@dataclass
class Customer:
    id: str
    name: str
    created_at: datetime
    language: str | None = None
    identities: list[Identity] = field(default_factory=list)

    @property
    def email(self) -> str | None:
        return next((i.value for i in self.identities if i.kind is IdentityKind.EMAIL), None)
