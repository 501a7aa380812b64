"""Agents from Cognito ID-token claims."""

from __future__ import annotations

import pytest

from sportello.agents import AgentDirectory, Role, agent_from_claims, require
from sportello.errors import ForbiddenError
from tests.fakes import InMemoryAgentRepository


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


def test_a_signed_in_user_outside_the_desk_groups_has_no_role():
    with pytest.raises(ForbiddenError):
        agent_from_claims({"sub": "u1", "email": "a@b.c", "cognito:groups": ["marketing"]})
    with pytest.raises(ForbiddenError):
        agent_from_claims({"sub": "u1", "email": "a@b.c"})


def test_admins_may_do_what_agents_do_and_agents_not_what_admins_do():
    admin = agent_from_claims({"sub": "u1", "email": "a@b.c", "cognito:groups": ["admins"]})
    agent = agent_from_claims({"sub": "u2", "email": "d@b.c", "cognito:groups": ["agents"]})
    assert require(admin, Role.AGENT) is admin
    assert require(admin, Role.ADMIN) is admin
    assert require(agent, Role.AGENT) is agent
    with pytest.raises(ForbiddenError):
        require(agent, Role.ADMIN)


def test_the_tokens_groups_are_the_truth_on_every_request():
    directory = AgentDirectory(InMemoryAgentRepository())
    claims = {"sub": "u1", "email": "a@b.c", "cognito:groups": ["admins"]}
    assert directory.sign_in(claims).role == "admin"
    demoted = directory.sign_in({**claims, "cognito:groups": ["agents"]})
    assert demoted.role == "agent"
    assert directory.agents() == [demoted]


def test_an_unchanged_agent_is_not_written_again():
    repository = InMemoryAgentRepository()
    directory = AgentDirectory(repository)
    claims = {"sub": "u1", "email": "a@b.c", "cognito:groups": ["agents"]}
    directory.sign_in(claims)
    directory.sign_in(claims)
    assert len(repository.saved) == 1
