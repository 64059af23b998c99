"""Settings from the environment (SIGNOFF_*), validated once, with defaults that run on one machine."""

from __future__ import annotations

import difflib
import os
import re
from email.utils import parseaddr
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import (
    AwareDatetime,
    Field,
    HttpUrl,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from signoff.domain.errors import InvalidInput

PROJECT_ROOT = Path(__file__).resolve().parents[2]

S = TypeVar("S", bound=BaseSettings)


class LogSettings(BaseSettings):
    """How the process logs: read apart from the rest, so a command that needs no database still logs."""

    model_config = SettingsConfigDict(env_prefix="SIGNOFF_", extra="ignore")

    log_format: Literal["text", "json"] = Field(
        default="text",
        description="text: key=value pairs, for people and grep; json: one object a line, for a log store.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = Field(
        default="INFO", description="The least severe records written."
    )

    @field_validator("log_format", "log_level", mode="before")
    @classmethod
    def _any_case(cls, value: object, info: ValidationInfo) -> object:
        if not isinstance(value, str):
            return value
        value = value.strip()
        return value.upper() if info.field_name == "log_level" else value.lower()


class Settings(LogSettings):
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
    templates_dir: Path = Field(default=PROJECT_ROOT / "templates")
    base_url: HttpUrl = Field(
        default=HttpUrl("http://127.0.0.1:8000"), description="Where the web app is, for links in emails."
    )

    # Outgoing mail. Credentials come from the environment only, never from files in the repository.
    smtp_host: str | None = Field(
        default=None,
        # A host name or address: a space or a line break in it failed every delivery, each email left
        # sending until its lease ran out.
        description="Unset: no SMTP server (the demo uses its mail sink).",
    )
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_tls: bool = Field(default=False, description="Implicit TLS (port 465); STARTTLS is smtp_starttls.")
    smtp_timeout: float = Field(default=30.0, gt=0, le=600)
    smtp_connections: int = Field(
        default=8, ge=1, le=32, description="Connections a delivery batch uses at once."
    )
    mail_from: str = Field(default="signoff <signoff@localhost>")
    mail_dir: Path = Field(
        default=PROJECT_ROOT / "var" / "mail", description="Where the mail sink keeps .eml files."
    )

    published_dir: Path | None = Field(
        default=None,
        description="Where published responses are written, one dated folder each (default: var/published).",
    )

    # The web app. The secret key signs session cookies; production refuses to start without one. A session
    # is a row (web_sessions): it ends on signing out, when idle, at its lifetime, or when ended by an admin.
    secret_key: SecretStr | None = Field(
        default=None, description="Signs session cookies: 32 characters or more, from a secret store."
    )
    sign_in_link_minutes: int = Field(
        default=30, ge=1, le=24 * 60, description="How long a sign-in link works."
    )
    session_idle_minutes: int = Field(
        default=60, ge=1, le=7 * 24 * 60, description="A session ends after this long without a request."
    )
    session_lifetime_hours: int = Field(
        default=12,
        ge=1,
        le=30 * 24,
        description="A session ends this long after signing in, however often it is used.",
    )
    sign_in_requests_per_address: int = Field(
        default=5, ge=1, le=1000, description="Sign-in links one address may ask for in 15 minutes."
    )
    sign_in_requests_per_client: int = Field(
        default=30, ge=1, le=10_000, description="Sign-in links one client (IP) may ask for in 15 minutes."
    )
    max_body_bytes: int = Field(default=1_000_000, ge=1024, description="Larger request bodies are refused.")
    max_upload_bytes: int = Field(
        default=512_000, ge=1024, description="Larger inspection files are refused."
    )

    @field_validator("smtp_host")
    @classmethod
    def _host(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9._:\[\]-]{1,253}", value):
            raise ValueError(f"{value!r} is not a host name or address (e.g. mail.example.org or 10.0.0.5)")
        return value

    @field_validator("mail_from")
    @classmethod
    def _address(cls, value: str) -> str:
        _name, address = parseaddr(value)
        if "@" not in address or any(c in value for c in "\r\n"):
            raise ValueError(
                f"{value!r} is not an email address (e.g. 'PCC sign-off <signoff@pcc.example.org>')"
            )
        return value

    @model_validator(mode="after")
    def _one_kind_of_tls(self) -> Settings:
        if self.smtp_tls and self.smtp_starttls:
            raise ValueError("choose SIGNOFF_SMTP_TLS (implicit TLS) or SIGNOFF_SMTP_STARTTLS, not both")
        if self.smtp_username and self.smtp_password is None:
            raise ValueError("SIGNOFF_SMTP_USERNAME is set but SIGNOFF_SMTP_PASSWORD is not")
        return self

    @model_validator(mode="after")
    def _lifetime_covers_idle(self) -> Settings:
        # A lifetime shorter than the idle timeout would make the idle timeout a setting that does nothing.
        if self.session_lifetime_hours * 60 < self.session_idle_minutes:
            raise ValueError(
                f"SIGNOFF_SESSION_LIFETIME_HOURS ({self.session_lifetime_hours}) is shorter than "
                f"SIGNOFF_SESSION_IDLE_MINUTES ({self.session_idle_minutes} minutes): make the lifetime longer"
            )
        return self

    @field_validator("secret_key")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError(
                "must be at least 32 characters (e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        return value

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
    def publication_dir(self) -> Path:
        return self.published_dir or self.var_dir / "published"

    @property
    def publication_file(self) -> Path:
        return self.config_dir / "publication.yaml"

    @property
    def pipeline_file(self) -> Path:
        return self.config_dir / "pipeline.yaml"

    @property
    def directory_file(self) -> Path:
        return self.config_dir / "directory.yaml"

    @property
    def notifications_file(self) -> Path:
        return self.config_dir / "notifications.yaml"

    @property
    def watch_file(self) -> Path:
        """The publications watcher's listing, schedule and which reports concern which office."""
        return self.config_dir / "watch.yaml"


def load_settings() -> Settings:
    """The settings, or InvalidInput naming each bad SIGNOFF_ variable, and any SIGNOFF_ variable that is
    no setting (a misspelt SIGNOFF_DATABASE_URI would otherwise leave the service on its own SQLite file)."""
    settings = _load(Settings)
    unknown = sorted(name for name in os.environ if name.startswith("SIGNOFF_") and not _known(name))
    if unknown:
        known = [f"SIGNOFF_{field.upper()}" for field in Settings.model_fields]
        problems = []
        for name in unknown:
            close = difflib.get_close_matches(name, known, n=1)
            problems.append(f"{name} is not a setting" + (f" (did you mean {close[0]}?)" if close else ""))
        raise InvalidInput("bad setting: " + "; ".join(problems) + "; the README's Configuration lists them")
    return settings


# SIGNOFF_ variables read elsewhere: the CLI's --as, and the test suite's own knobs.
_NOT_SETTINGS = ("SIGNOFF_AS",)
_NOT_SETTINGS_PREFIXES = ("SIGNOFF_TEST_", "SIGNOFF_STATEFUL_")


def _known(name: str) -> bool:
    field = name.removeprefix("SIGNOFF_").lower()
    return field in Settings.model_fields or name in _NOT_SETTINGS or name.startswith(_NOT_SETTINGS_PREFIXES)


def load_log_settings() -> LogSettings:
    """The logging settings alone, or InvalidInput naming each bad SIGNOFF_LOG_ variable."""
    return _load(LogSettings)


def _load(kind: type[S]) -> S:
    try:
        return kind()
    except ValidationError as error:
        problems = "; ".join(
            (f"SIGNOFF_{'_'.join(str(part) for part in e['loc']).upper()}: " if e["loc"] else "")
            + str(e["msg"]).removeprefix("Value error, ")
            for e in error.errors()
        )
        raise InvalidInput(f"bad setting: {problems}") from None
