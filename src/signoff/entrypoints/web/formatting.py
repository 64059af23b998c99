"""Jinja filters that say dates and times as people in England read them, and the web templates' environment."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from signoff.adapters.compiled_templates import WEB_PAGES
from signoff.adapters.documents.markdown import to_html
from signoff.domain.deadlines import format_day
from signoff.domain.local_time import LOCAL_TIME

LONDON = LOCAL_TIME


def day(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LONDON).date()
    return format_day(value)


def moment(value: datetime | None) -> str:
    if value is None:
        return ""
    local = value.astimezone(LONDON)
    return f"{format_day(local.date())} at {local:%H:%M}"


def iso_day(value: date | datetime) -> str:
    if isinstance(value, datetime):
        value = value.astimezone(LONDON).date()
    return value.isoformat()


def words(value: str) -> str:
    return value.replace("_", " ")


def section_html(text: str) -> Markup:
    """A section's text as the published document shows it (the same safe Markdown subset): lists,
    emphasis, quotes and links; anything else is shown as typed."""
    return to_html(text)


def web_environment(templates_dir: Path) -> Environment:
    environment = Environment(
        loader=FileSystemLoader(templates_dir),
        bytecode_cache=WEB_PAGES,
        autoescape=select_autoescape(enabled_extensions=("html", "svg"), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(
        day=day, moment=moment, iso_day=iso_day, words=words, section_html=section_html
    )
    return environment
