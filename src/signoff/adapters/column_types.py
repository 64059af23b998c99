"""Column types that give the domain back exactly what it stored: aware UTC times, its own enums, and its
approval steps."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, String
from sqlalchemy.types import TypeDecorator

from signoff.domain.approval import ApprovalStep


class UTCDateTime(TypeDecorator[datetime]):
    """SQLite keeps no time zone; store UTC and hand back aware UTC on every database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: signoff stores aware times only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class EnumText(TypeDecorator[StrEnum]):
    """A StrEnum stored as its value, so the domain's `is` comparisons hold after a round trip."""

    impl = String(32)
    cache_ok = True

    def __init__(self, enum_class: type[StrEnum], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.enum_class = enum_class

    def process_bind_param(self, value: StrEnum | str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.enum_class(value).value

    def process_result_value(self, value: str | None, dialect: Dialect) -> StrEnum | None:
        return None if value is None else self.enum_class(value)


class ApprovalStepsJSON(TypeDecorator[list[ApprovalStep]]):
    """A section's approval steps, stored as the JSON list of objects it always was."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: list[ApprovalStep] | None, dialect: Dialect) -> list[Any] | None:
        return None if value is None else [step.to_json() for step in value]

    def process_result_value(self, value: list[Any] | None, dialect: Dialect) -> list[ApprovalStep] | None:
        return None if value is None else [ApprovalStep.from_json(step) for step in value]
