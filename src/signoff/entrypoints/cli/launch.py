"""The `signoff` command's entry point: the command line imported with the garbage collector paused.

A command imports some five hundred modules (SQLAlchemy, Pydantic, Typer and signoff's own) whose objects
live as long as the process. The collector's passes over them while they are imported free nothing and
cost about a fifth of a short command's CPU (0.15 to 0.2 s on the project's two-core machine), so it is
paused while importing, and what the imports made is then set aside from its later passes (`gc.freeze`).
The long-running commands (`serve`, `web`, `relay`) start here too: what importing made lives as long as
they do, and the collector runs as usual on everything after.
"""

from __future__ import annotations

import gc


def run() -> None:
    gc.disable()
    try:
        from signoff.entrypoints.cli.main import run as run_command
    finally:
        gc.freeze()
        gc.enable()
    run_command()
