"""Settings from the environment (SIGNOFF_*), validated once, with defaults that run on one machine."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AwareDatetime, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from signoff.domain.errors import InvalidInput

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SIGNOFF_", extra="ignore")

    database_url: str = Field(
        default_factory=lambda: f"sqlite:///{PROJECT_ROOT / 'var' / 'signoff.db'}",
        description="Any SQLAlchemy URL: sqlite:///path or postgresql+psycopg://user@host/db.",
    )
    config_dir: Path = Field(default=PROJECT_ROOT / "config")
    var_dir: Path = Field(default=PROJECT_ROOT / "var")
    frozen_time: AwareDatetime | None = Field(
        default=None,
        description="Run as if it were always this moment: for demonstrations and rehearsals only.",
    )
    environment: Literal["development", "production"] = "development"

    @field_validator("database_url")
    @classmethod
    def _parseable(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError("is not a database URL (try sqlite:///var/signoff.db)") from None
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise ValueError(f"backend {url.get_backend_name()!r} is not supported: use sqlite or postgresql")
        return value

    @property
    def pipeline_file(self) -> Path:
        return self.config_dir / "pipeline.yaml"

    @property
    def directory_file(self) -> Path:
        return self.config_dir / "directory.yaml"


def load_settings() -> Settings:
    """The settings, or InvalidInput naming each bad SIGNOFF_ variable."""
    try:
        return Settings()
    except ValidationError as error:
        problems = "; ".join(
            f"SIGNOFF_{'_'.join(str(part) for part in e['loc']).upper()}: {e['msg']}" for e in error.errors()
        )
        raise InvalidInput(f"bad setting: {problems}") from None
