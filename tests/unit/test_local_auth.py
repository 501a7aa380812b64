"""The local stand-in for Cognito and API Gateway's authorizer refuses what they refuse."""

from __future__ import annotations

import time

import jwt

from infra.local.auth import AUDIENCE, ISSUER, SEEDED_AGENTS, TokenIssuer

SECRET = "local-test-secret"


def test_a_token_it_issued_is_accepted():
    claims = TokenIssuer(SECRET).verify(TokenIssuer(SECRET).issue(SEEDED_AGENTS[1]))
    assert claims is not None and claims["email"] == SEEDED_AGENTS[1].email


def test_a_token_without_expiry_is_refused():
    claims = {"sub": "u1", "email": "a@b.c", "iss": ISSUER, "aud": AUDIENCE, "iat": int(time.time())}
    assert TokenIssuer(SECRET).verify(jwt.encode(claims, SECRET, algorithm="HS256")) is None


def test_an_expired_or_foreign_token_is_refused():
    now = int(time.time())
    expired = {"sub": "u1", "iss": ISSUER, "aud": AUDIENCE, "iat": now - 7200, "exp": now - 3600}
    assert TokenIssuer(SECRET).verify(jwt.encode(expired, SECRET, algorithm="HS256")) is None
    foreign = TokenIssuer("another-key-of-at-least-32-bytes-long")
    assert foreign.verify(TokenIssuer(SECRET).issue(SEEDED_AGENTS[0])) is None
