"""A handler module without its in-memory test here fails this test."""

from __future__ import annotations

from pathlib import Path

import signoff.service.handlers


def test_every_handler_module_has_a_test_module() -> None:
    handlers = {
        p.stem for p in Path(signoff.service.handlers.__file__).parent.glob("*.py") if p.stem != "__init__"
    }
    tested = {p.stem.removeprefix("test_") for p in Path(__file__).parent.glob("test_*.py")}
    assert handlers - tested == set(), "handlers without an in-memory test in tests/handlers/"
