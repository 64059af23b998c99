"""The `signoff` command: every use case of the service layer, for people and scripts."""

from __future__ import annotations

import typer

from signoff.entrypoints.cli import (
    admin_commands,
    mail_commands,
    prefect_commands,
    publish_commands,
    relay_command,
    serve_command,
    setup_commands,
    signoff_commands,
)
from signoff.entrypoints.cli.common import reports_errors
from signoff.entrypoints.cli.prefect_environment import prepare_prefect
from signoff.logging_setup import configure_logging
from signoff.settings import load_log_settings

app = typer.Typer(
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


app.add_typer(setup_commands.db_app, name="db")
app.add_typer(setup_commands.directory_app, name="directory")
app.add_typer(admin_commands.audit_app, name="audit")
app.add_typer(mail_commands.mail_app, name="mail")
app.add_typer(prefect_commands.prefect_app, name="prefect")
app.command("mailsink")(mail_commands.mailsink)
app.command("sweep")(mail_commands.sweep)
app.command("deadline")(setup_commands.deadline)
app.command("states")(setup_commands.states)
app.command("start")(signoff_commands.start)
app.command("list")(signoff_commands.list_command)
app.command("show")(signoff_commands.show)
app.command("section")(signoff_commands.section)
app.command("draft")(signoff_commands.draft)
app.command("decide")(signoff_commands.decide_command)
app.command("advance")(signoff_commands.advance)
app.command("stalled")(admin_commands.stalled_command)
app.command("reassign")(admin_commands.reassign)
app.command("extend")(admin_commands.extend)
app.command("withdraw")(admin_commands.withdraw)
app.command("delegate")(admin_commands.delegate)
app.command("publish")(publish_commands.publish)
app.command("render")(publish_commands.render)
app.command("serve")(serve_command.serve)
app.command("relay")(relay_command.relay)


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
    """Run the reference sign-off to 'ready to publish' through the flows; emails in var/mail/."""
    # Imported here, once Prefect's environment is set: the demo brings Prefect, which every other
    # command can do without.
    prepare_prefect(quiet=True)
    from signoff.entrypoints.cli.demo import demo as run_demo

    run_demo()


def run() -> None:
    app()
