"""Where the shared mail corpus lives (outside the repository) and how to list it."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[3]
CORPUS = PROJECT_ROOT.parent / "shared" / "corpus" / "email"


def corpus_files(pattern: str = "**/*") -> list[Path]:
    return sorted(path for path in CORPUS.glob(pattern) if path.is_file())


def corpus_id(path: Path) -> str:
    return str(path.relative_to(CORPUS))


def read(relative: str) -> bytes:
    return (CORPUS / relative).read_bytes()
