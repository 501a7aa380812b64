"""Agents from Cognito ID-token claims."""

from __future__ import annotations

import pytest

from sportello.agents import agent_from_claims
from sportello.errors import ForbiddenError


def test_claims_become_an_agent():
    agent = agent_from_claims(
        {"sub": "u1", "email": "Ada@Desk.Example", "cognito:groups": ["admins", "support"]}
    )

    assert agent.id == "u1"
    assert agent.email == "ada@desk.example"
    assert agent.role == "admin"
    assert agent.name == "Ada"


def test_flattened_group_claim_from_api_gateway():
    agent = agent_from_claims({"sub": "u1", "email": "a@b.c", "cognito:groups": "[agents support]"})

    assert agent.groups == ("agents", "support")
    assert agent.role == "agent"


def test_claims_without_identity_are_forbidden():
    with pytest.raises(ForbiddenError):
        agent_from_claims({"email": "a@b.c"})
