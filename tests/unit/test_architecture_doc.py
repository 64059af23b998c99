"""ARCHITECTURE.md stays true: every file or folder its recipes and layers name exists."""

from __future__ import annotations

import re

from signoff.settings import PROJECT_ROOT

# A backticked path: at least one slash, or a file name with a known ending.
PATH = re.compile(r"`((?:[\w.-]+/)+[\w.-]*|[\w.-]+\.(?:py|yaml|yml|html|txt|md|toml))`")
ROOTS = ("src/", "tests/", "config/", "templates/", "migrations/", "flows/", "bench/", "examples/")


def named_paths() -> list[str]:
    text = (PROJECT_ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    return sorted({match for match in PATH.findall(text) if match.startswith(ROOTS)})


def test_the_architecture_doc_names_only_files_that_exist() -> None:
    paths = named_paths()
    assert len(paths) > 30, "the pattern no longer finds the recipes' paths"
    missing = [path for path in paths if not (PROJECT_ROOT / path).exists()]
    assert not missing, f"ARCHITECTURE.md names files that do not exist: {missing}"


def test_the_aggregates_own_modules_are_introduced() -> None:
    text = (PROJECT_ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    for module in ("signoff.py", "entities.py", "approval.py", "planning.py", "access.py", "transitions.py"):
        assert (PROJECT_ROOT / "src/signoff/domain" / module).exists(), module
        assert f"`{module}`" in text, f"ARCHITECTURE.md does not introduce domain/{module}"
