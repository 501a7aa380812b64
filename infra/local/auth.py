"""Local stand-in for Cognito: signs ID tokens for the seeded agents and verifies them at the gateway."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt

from sportello.names import ADMINS_GROUP, AGENTS_GROUP

ISSUER = "sportello-local"
AUDIENCE = "sportello-spa"
TOKEN_LIFETIME_SECONDS = 12 * 3600


@dataclass(frozen=True)
class SeededAgent:
    email: str
    name: str
    groups: tuple[str, ...]

    @property
    def subject(self) -> str:
        # Stable across restarts, as a Cognito user's sub is.
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"sportello-local:{self.email}"))


SEEDED_AGENTS = (
    SeededAgent("admin@sportello.local", "Ada Admin", (ADMINS_GROUP, "support", "billing")),
    SeededAgent("agent@sportello.local", "Andrea Agent", (AGENTS_GROUP, "support")),
)


class TokenIssuer:
    def __init__(self, secret: str) -> None:
        self._secret = secret

    def issue(self, agent: SeededAgent) -> str:
        now = int(time.time())
        claims = {
            "sub": agent.subject,
            "email": agent.email,
            "name": agent.name,
            "cognito:groups": list(agent.groups),
            "token_use": "id",
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + TOKEN_LIFETIME_SECONDS,
        }
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def verify(self, token: str) -> dict[str, Any] | None:
        """The claims, as API Gateway's JWT authorizer would pass them; None when invalid."""
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._secret,
                algorithms=["HS256"],
                audience=AUDIENCE,
                issuer=ISSUER,
                # As Cognito's tokens, and API Gateway's authorizer: no expiry, no entry.
                options={"require": ["exp", "iat", "sub"]},
            )
        except jwt.PyJWTError:
            return None
        return claims


def find_seeded(email: str) -> SeededAgent | None:
    return next((a for a in SEEDED_AGENTS if a.email == email.strip().lower()), None)
