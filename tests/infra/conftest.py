"""One synthesis of the stack for every infrastructure test (bundling skipped: no pip, no Docker)."""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_cdk.assertions import Template

from tests.infra.template import synthesize


@pytest.fixture(scope="session")
def outdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cdk.out")


@pytest.fixture(scope="session")
def template(outdir: Path) -> Template:
    return synthesize(outdir)
