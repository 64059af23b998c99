"""What every CLI command shares: the application, argument parsing, JSON output, error reporting."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date, datetime
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import typer
from pydantic import BaseModel, TypeAdapter, ValidationError
from rich.console import Console
from rich.markup import escape
from sqlalchemy.exc import OperationalError, ProgrammingError

from signoff.bootstrap import Application, bootstrap
from signoff.domain.errors import InvalidInput, SignoffError

console = Console()
errors = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")

AS_OPTION = typer.Option(
    ..., "--as", envvar="SIGNOFF_AS", help="Your email address, as in the directory (or set SIGNOFF_AS)."
)
JSON_OPTION = typer.Option(False, "--json", help="Print JSON instead of a table.")
# The largest id a sign-off, an email or a delegation can have (as the web's paths): a bigger number is a
# mistake, and no integer column holds it.
MAX_ID = 2_147_483_647


class _State:
    application: Application | None = None


def application() -> Application:
    if _State.application is None:
        _State.application = bootstrap()
    return _State.application


def reset_application() -> None:
    """Forget the built application (the demo switches database half-way)."""
    if _State.application is not None:
        _State.application.engine.dispose()
    _State.application = None


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn the user's mistakes into one clear line and exit 1; a bug still shows its traceback."""

    @wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except SignoffError as error:
            # What the person typed is in the message: printed as text, never read as Rich's markup.
            errors.print(f"[bold red]error:[/] {escape(error.message)}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'input'}: {str(e['msg']).removeprefix('Value error, ')}"
                for e in error.errors()
            )
            errors.print(f"[bold red]error:[/] {escape(problems)}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None
        except (OperationalError, ProgrammingError) as error:
            text = str(error.orig).lower()
            if "no such table" in text or "does not exist" in text:
                errors.print("[bold red]error:[/] the database is not set up: run `signoff db upgrade` first")
                raise typer.Exit(1) from None
            if "could not connect" in text or "connection" in text or "unable to open" in text:
                errors.print(
                    f"[bold red]error:[/] cannot reach the database: {escape(str(error.orig))}",
                    highlight=False,
                )
                raise typer.Exit(1) from None
            raise

    return wrapper


def parse_date(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{what}: {text!r} is not a date that exists (use YYYY-MM-DD)") from None


def parse_moment(text: str, what: str) -> datetime:
    try:
        moment = TypeAdapter(datetime).validate_python(text.strip())
    except ValidationError:
        raise InvalidInput(f"{what}: {text!r} is not a date and time (use YYYY-MM-DDTHH:MM+00:00)") from None
    if moment.tzinfo is None:
        raise InvalidInput(f"{what}: {text!r} needs a time zone, e.g. 2024-01-05T17:00+00:00")
    return moment


def print_json(value: BaseModel | Sequence[BaseModel] | dict[str, Any]) -> None:
    if isinstance(value, BaseModel):
        data: Any = value.model_dump(mode="json")
    elif isinstance(value, dict):
        data = value
    else:
        data = [item.model_dump(mode="json") for item in value]
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


def after_change(signoff_id: int | None) -> None:
    """Start the router for the changed sign-off (or just deliver mail), and say what came of it.

    On standard error, so that a command's own output (the new ids, say) stays easy to script.
    """
    from flows.triggers import trigger_advance, trigger_delivery  # the flows layer sits outside src/

    app = application()
    outcome = trigger_advance(app, signoff_id) if signoff_id is not None else trigger_delivery(app)
    errors.print(f"[dim]then: {outcome}[/]", highlight=False)
