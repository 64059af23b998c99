"""What every CLI command shares: the application, argument parsing, JSON output, error reporting."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date, datetime
from enum import StrEnum
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import typer
from pydantic import BaseModel, TypeAdapter, ValidationError
from rich.console import Console
from rich.markup import escape
from sqlalchemy.exc import DBAPIError, OperationalError

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
        except DBAPIError as error:
            if (problem := _database_problem(error)) is None:
                raise
            errors.print(f"[bold red]error:[/] {escape(problem)}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None
        except OSError as error:
            # A folder that is a file, one this process cannot write, a port in use: the machine's, not a bug.
            where = f": {error.filename}" if error.filename else ""
            errors.print(
                f"[bold red]error:[/] {escape(error.strerror or str(error))}{escape(where)}",
                highlight=False,
                soft_wrap=True,
            )
            raise typer.Exit(1) from None

    return wrapper


def _database_problem(error: DBAPIError) -> str | None:
    """What to do about a database that cannot be used as it is (unreachable, not a database, not migrated
    to this code, refusing writes or permission); None for what only a bug explains, which keeps its
    traceback."""
    from signoff.adapters.database import schema_problem

    app = _State.application
    if app is None:
        return None
    where = app.engine.url.render_as_string(hide_password=True)
    try:
        problem = schema_problem(app.engine)
    except DBAPIError as unusable:  # no server, no such database or role, a file that is not a database
        return f"cannot use the database {where}: {_first_words(unusable.orig)}"
    if problem is not None:  # never migrated, or migrated for an older or newer signoff
        return problem
    if isinstance(error, OperationalError) or "permission denied" in str(error.orig).lower():
        return f"the database {where} refused: {_first_words(error.orig)}"
    return None


def _first_words(error: BaseException | None) -> str:
    return " ".join(str(error).split())[:300]


def state_named(text: str | None, states: type[StrEnum], what: str) -> str | None:
    """A state given by name, as the enum spells it; InvalidInput listing the states otherwise."""
    if text is None:
        return None
    if text.strip().lower() not in {state.value for state in states}:
        raise InvalidInput(
            f"{what}: {text!r} is not a state; choose one of {', '.join(s.value for s in states)}"
        )
    return text.strip().lower()


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
