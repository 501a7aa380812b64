"""cfn-lint on the synthesized template, with the repository's settings (`.cfnlintrc.yaml`, where each ignored
rule says why): what CloudFormation would reject, or accept with a warning, fails here first."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from aws_cdk.assertions import Template

from infra.constants import REPO_ROOT, STACK_NAME

CFN_LINT_CONFIG = REPO_ROOT / ".cfnlintrc.yaml"
CFN_LINT = Path(sys.executable).parent / "cfn-lint"  # the venv's console script


def test_the_template_is_cfn_lint_clean(template: Template, outdir: Path) -> None:
    # Given the shared synthesis (`template` writes it to `outdir`), when cfn-lint reads it
    template_file = outdir / f"{STACK_NAME}.template.json"
    result = subprocess.run(
        [str(CFN_LINT), "--config-file", str(CFN_LINT_CONFIG), str(template_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    # Then it finds nothing (exit code 0: no errors, warnings or informational findings)
    assert result.returncode == 0, f"cfn-lint findings:\n{result.stdout}{result.stderr}"
