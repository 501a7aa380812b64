"""One synthesis of the stack for every infrastructure test (bundling skipped: no pip, no Docker), with
cdk-nag's checks applied so that `test_nag.py` reads their findings from the same synthesis."""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_cdk.assertions import Template

from infra.stack import SportelloStack
from tests.infra.template import build_stack


@pytest.fixture(scope="session")
def outdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cdk.out")


@pytest.fixture(scope="session")
def stack(outdir: Path) -> SportelloStack:
    return build_stack(outdir, checked=True)


@pytest.fixture(scope="session")
def template(stack: SportelloStack) -> Template:
    return Template.from_stack(stack)
