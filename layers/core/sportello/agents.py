"""Agents (the desk's staff, authenticated by Cognito) and the groups they work in."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Agent:
    id: str
    email: str
    name: str
    groups: tuple[str, ...] = ()
    role: str = "agent"


@dataclass(frozen=True)
class Group:
    id: str
    name: str
