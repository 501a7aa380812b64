"""Every stack output the README's deploy walkthrough names exists, and every output is in it."""

from __future__ import annotations

import re

from aws_cdk.assertions import Template

from tests.conftest import PROJECT_ROOT


def documented_outputs() -> set[str]:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("The stack's outputs", 1)[1].split("\n\n", 2)[1]
    return set(re.findall(r"^\| `(\w+)` \|", section, re.MULTILINE))


def test_the_readme_names_exactly_the_stacks_outputs(template: Template) -> None:
    outputs = set(template.find_outputs("*"))
    documented = documented_outputs()
    assert len(documented) >= 10
    assert documented - outputs == set(), "the README names outputs the stack does not have"
    assert outputs - documented == set(), "the stack has outputs the README does not explain"
