"""The `signoff` command: every use case of the service layer, for people and scripts."""

from __future__ import annotations

from importlib import import_module
from typing import Any

import typer

# Typer carries its own copy of Click: its commands and contexts are of that copy.
from typer._click import Command, Context
from typer.core import TyperGroup
from typer.main import get_command_from_info, get_group
from typer.models import CommandInfo

from signoff.entrypoints.cli.common import reports_errors
from signoff.entrypoints.cli.prefect_environment import prepare_prefect
from signoff.logging_setup import configure_logging
from signoff.settings import load_log_settings

# Each command's module is imported only when that command runs (or `--help` lists them all): a command
# that changes a sign-off must answer within a second, and importing every command's handlers, the
# document renderer and the mail sink cost it more than that. Name: (module, function or Typer app).
CLI = "signoff.entrypoints.cli."
COMMANDS: dict[str, tuple[str, str]] = {
    "mailsink": (CLI + "mail_commands", "mailsink"),
    "sweep": (CLI + "mail_commands", "sweep"),
    "deadline": (CLI + "setup_commands", "deadline"),
    "states": (CLI + "setup_commands", "states"),
    "start": (CLI + "signoff_commands", "start"),
    "list": (CLI + "signoff_commands", "list_command"),
    "show": (CLI + "signoff_commands", "show"),
    "section": (CLI + "signoff_commands", "section"),
    "draft": (CLI + "signoff_commands", "draft"),
    "decide": (CLI + "signoff_commands", "decide_command"),
    "advance": (CLI + "signoff_commands", "advance"),
    "stalled": (CLI + "admin_commands", "stalled_command"),
    "reassign": (CLI + "admin_commands", "reassign"),
    "extend": (CLI + "admin_commands", "extend"),
    "withdraw": (CLI + "admin_commands", "withdraw"),
    "delegate": (CLI + "admin_commands", "delegate"),
    "end-delegation": (CLI + "admin_commands", "end_delegation_command"),
    "publish": (CLI + "publish_commands", "publish"),
    "render": (CLI + "publish_commands", "render"),
    "serve": (CLI + "serve_command", "serve"),
    "relay": (CLI + "relay_command", "relay"),
    "watch": (CLI + "watch_command", "watch"),
}
GROUPS: dict[str, tuple[str, str]] = {
    "db": (CLI + "setup_commands", "db_app"),
    "directory": (CLI + "setup_commands", "directory_app"),
    "audit": (CLI + "admin_commands", "audit_app"),
    "mail": (CLI + "mail_commands", "mail_app"),
    "prefect": (CLI + "prefect_commands", "prefect_app"),
}


class LazyCommands(TyperGroup):
    """The commands of COMMANDS and GROUPS, each built from its module when asked for."""

    def list_commands(self, ctx: Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS, *GROUPS})

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        if cmd_name in COMMANDS:
            module, name = COMMANDS[cmd_name]
            callback: Any = getattr(import_module(module), name)
            return get_command_from_info(
                CommandInfo(name=cmd_name, callback=callback),
                pretty_exceptions_short=True,
                rich_markup_mode=self.rich_markup_mode,
            )
        if cmd_name in GROUPS:
            module, name = GROUPS[cmd_name]
            group = get_group(getattr(import_module(module), name))
            group.name = cmd_name
            return group
        return super().get_command(ctx, cmd_name)


app = typer.Typer(
    cls=LazyCommands,
    help="signoff: the sign-off of a PCC's statutory response to an HMICFRS inspection.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
# The commands that run until stopped: what they log is all an operator sees of them.
SERVICES = frozenset({"serve", "relay", "web", "mailsink"})


@app.callback()
@reports_errors
def _configure_logging(context: typer.Context) -> None:
    # Before any command runs (and before Prefect, imported by some, sets up logging of its own, which
    # then leaves the root logger's handler as it finds it). A one-shot command prints what it did, so
    # it logs only warnings unless SIGNOFF_LOG_LEVEL asks for more.
    configure_logging(load_log_settings(), quiet=context.invoked_subcommand not in SERVICES)


@app.command("web")
def web(
    host: str = typer.Option("127.0.0.1", help="The address to listen on (0.0.0.0 for every interface)."),
    port: int = typer.Option(8000, min=1, max=65535, help="The port to listen on."),
) -> None:
    """Serve the web app and its JSON API alone (`signoff serve` also runs it, beside the flows)."""
    # Imported here: FastAPI and uvicorn cost every other command their start-up time.
    from signoff.entrypoints.web.server import web as run_web

    run_web(host=host, port=port)


@app.command("demo")
def demo() -> None:
    """Run the reference sign-off to publication through the flows; everything under var/demo/."""
    # Imported here, once Prefect's environment is set: the demo brings Prefect, which every other
    # command can do without.
    prepare_prefect(quiet=True)
    from signoff.entrypoints.cli.demo import demo as run_demo

    run_demo()


def run() -> None:
    app()
