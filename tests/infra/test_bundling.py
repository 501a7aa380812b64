"""Docker-free bundling: the core layer copy and the cached pip-built deps layer (no network here)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from infra.constructs.bundling import (
    CopyInto,
    LambdaTarget,
    PipInstallLayer,
    compile_bytecode,
    find_python,
    local_bundling,
    read_requirements,
)

REQUIREMENTS = "pynamodb==6.1.0\nnh3==0.3.7\n"


def fake_pip(installed: list[str]) -> Callable[[Path, Path], None]:
    """A stand-in for `pip install --target`: writes the given top-level entries."""

    def install(requirements: Path, target: Path, platform: LambdaTarget) -> None:
        for entry in installed:
            path = target / entry
            if entry.endswith(".py"):
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text("")
            else:
                (path / "__pycache__").mkdir(parents=True)
                (path / "__init__.py").write_text("")

    return install


def no_pip(requirements: Path, target: Path, platform: LambdaTarget) -> None:
    raise AssertionError("pip must not run when the layer is cached")


def test_requirements_file_wins(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text(REQUIREMENTS)
    assert read_requirements(tmp_path / "requirements.txt", tmp_path / "missing.toml") == REQUIREMENTS


def test_requirements_fall_back_to_the_project_dependencies(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\ndependencies = ["pynamodb==6.1.0", "nh3==0.3.7"]\n')
    assert read_requirements(tmp_path / "requirements.txt", tmp_path / "pyproject.toml") == REQUIREMENTS


def test_fingerprint_follows_the_requirements_only(tmp_path: Path) -> None:
    first = PipInstallLayer(REQUIREMENTS, tmp_path).fingerprint
    assert PipInstallLayer(REQUIREMENTS, tmp_path / "elsewhere").fingerprint == first
    assert PipInstallLayer(REQUIREMENTS.replace("6.1.0", "6.2.0"), tmp_path).fingerprint != first


def test_first_bundle_installs_prunes_runtime_packages_and_caches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given an empty cache and a pip that also brings boto3/botocore (pynamodb depends on botocore)
    # and the runtime's own copies of botocore's dependencies
    installed = ["pynamodb", "nh3", "boto3", "botocore", "botocore-1.40.0.dist-info", "s3transfer", "six.py"]
    installed += ["urllib3", "dateutil", "python_dateutil-2.9.0.dist-info", "jmespath", "bin"]
    layer = PipInstallLayer(REQUIREMENTS, tmp_path / "cache")
    monkeypatch.setattr(PipInstallLayer, "_pip_install", staticmethod(fake_pip(installed)))
    platform_cache = tmp_path / "cache" / "manylinux2014_aarch64"
    (platform_cache / "0ldfingerprint").mkdir(parents=True)
    (tmp_path / "cache" / "manylinux2014_x86_64" / "0therplatform").mkdir(parents=True)
    output = tmp_path / "asset"
    output.mkdir()

    # When CDK asks for the bundle
    assert layer.try_bundle(str(output), local_bundling(layer))

    # Then the asset and the cache hold python/<packages> without what the runtime ships
    assert sorted(p.name for p in (output / "python").iterdir()) == ["nh3", "pynamodb"]
    assert not list(output.rglob("__pycache__"))
    assert sorted(p.name for p in (layer.cached / "python").iterdir()) == ["nh3", "pynamodb"]
    assert [p.name for p in platform_cache.iterdir()] == [layer.fingerprint]  # stale build dropped
    assert (tmp_path / "cache" / "manylinux2014_x86_64" / "0therplatform").is_dir()  # the other CPU's kept
    assert "bundling deps layer…" in capsys.readouterr().err


def test_second_bundle_reuses_the_cache_without_pip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    layer = PipInstallLayer(REQUIREMENTS, tmp_path / "cache")
    (layer.cached / "python" / "pynamodb").mkdir(parents=True)
    monkeypatch.setattr(PipInstallLayer, "_pip_install", staticmethod(no_pip))
    output = tmp_path / "asset"
    output.mkdir()

    assert layer.try_bundle(str(output), local_bundling(layer))

    assert (output / "python" / "pynamodb").is_dir()
    assert f"reusing cached deps layer (hash {layer.fingerprint})" in capsys.readouterr().err


def test_a_failed_pip_leaves_no_cache_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    layer = PipInstallLayer(REQUIREMENTS, tmp_path / "cache")

    def failing_run(*args: object, **kwargs: object) -> object:
        class Result:
            returncode = 1
            stdout = ""
            stderr = "ERROR: No matching distribution found for nh3"

        return Result()

    monkeypatch.setattr("infra.constructs.bundling.subprocess.run", failing_run)
    with pytest.raises(RuntimeError, match="No matching distribution"):
        layer.ensure_cached()
    assert not layer.cached.exists()
    assert list((tmp_path / "cache").rglob("*")) == [tmp_path / "cache" / "manylinux2014_aarch64"]


def test_pip_targets_the_lambda_platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str]] = []

    def recording_run(command: list[str], **kwargs: object) -> object:
        seen.append(command)

        class Result:
            returncode = 0
            stdout = stderr = ""

        Path(command[command.index("--target") + 1]).mkdir(parents=True)
        return Result()

    monkeypatch.setattr("infra.constructs.bundling.subprocess.run", recording_run)
    PipInstallLayer(REQUIREMENTS, tmp_path / "cache", LambdaTarget("arm64", "3.13")).ensure_cached()
    PipInstallLayer(REQUIREMENTS, tmp_path / "cache", LambdaTarget("x86_64", "3.12")).ensure_cached()
    arm, intel = (" ".join(command) for command in seen)
    assert "--platform manylinux2014_aarch64" in arm
    assert "--platform manylinux2014_x86_64" in intel
    assert "--python-version 3.13" in arm
    joined = intel
    assert "--implementation cp" in joined
    assert "--only-binary=:all:" in seen[0]


def test_core_layer_copy_lands_under_python_and_skips_caches(tmp_path: Path) -> None:
    source = tmp_path / "sportello"
    (source / "store" / "__pycache__").mkdir(parents=True)
    (source / "store" / "schema.py").write_text("")
    (source / "store" / "__pycache__" / "schema.cpython-311.pyc").write_text("")
    output = tmp_path / "asset"
    output.mkdir()
    copier = CopyInto(source, "python/sportello")

    assert copier.try_bundle(str(output), local_bundling(copier))

    assert (output / "python" / "sportello" / "store" / "schema.py").is_file()
    assert not list(output.rglob("__pycache__"))


def test_bytecode_is_precompiled_for_the_runtimes_python_and_used_unchecked(tmp_path: Path) -> None:
    # Given a package and an interpreter of another version than this one's
    version = "3.13" if sys.version_info[:2] != (3, 13) else "3.12"
    if find_python(version) is None:
        pytest.fail(f"Python {version} is needed here (pyenv install {version})")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "module.py").write_text("VALUE = 1\n")

    # When the tree is precompiled for it
    assert compile_bytecode(tmp_path, version)

    # Then the bytecode is that version's, and marked to be used whatever the files' times
    [compiled] = (tmp_path / "pkg" / "__pycache__").iterdir()
    assert compiled.name == f"module.cpython-{version.replace('.', '')}.pyc"
    flags = int.from_bytes(compiled.read_bytes()[4:8], "little")
    assert flags == 0b01  # hash-based (bit 0), not checked against the source (bit 1 clear)


def test_without_the_runtimes_python_the_layer_ships_as_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("infra.constructs.bundling.find_python", lambda version: None)
    (tmp_path / "module.py").write_text("")
    assert compile_bytecode(tmp_path, "3.13") is False
    assert not list(tmp_path.rglob("*.pyc"))
    assert "ships without bytecode" in capsys.readouterr().err
