"""Running the web app under uvicorn: `signoff web` in the foreground, or a thread beside other work
(`signoff serve`, the browser tests, the benchmarks)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import typer
import uvicorn
from fastapi import FastAPI

from signoff.bootstrap import Application
from signoff.config_check import check_configuration
from signoff.entrypoints.cli.common import application, reports_errors
from signoff.entrypoints.long_running import set_aside_startup_objects
from signoff.entrypoints.web.app import create_web_app
from signoff.entrypoints.web.log_redaction import install_log_redaction


@dataclass(frozen=True)
class ServerLogs:
    level: str
    access_log: bool


# `signoff web` in the foreground: what an operator watches, a line per request.
WEB_LOGS = ServerLogs(level="info", access_log=True)
# Beside other work (`signoff serve`): warnings only, under Prefect's own output.
SERVE_LOGS = ServerLogs(level="warning", access_log=False)


def server_config(web_app: FastAPI, host: str, port: int, logs: ServerLogs) -> uvicorn.Config:
    """How both commands run the app under uvicorn. Every log line, the access log's included, is redacted:
    a sign-in link carries its token in the path (see log_redaction)."""
    install_log_redaction()
    return uvicorn.Config(
        web_app, host=host, port=port, log_level=logs.level, access_log=logs.access_log, lifespan="on"
    )


class WebServer:
    """uvicorn in a daemon thread; `start` returns once it accepts connections."""

    def __init__(
        self,
        app: Application,
        host: str = "127.0.0.1",
        port: int = 8000,
        *,
        deliver_mail: bool = False,
        logs: ServerLogs = SERVE_LOGS,
    ) -> None:
        config = server_config(create_web_app(app, deliver_mail=deliver_mail), host, port, logs)
        self.server = uvicorn.Server(config)
        self.url = f"http://{host}:{port}"
        self._thread = threading.Thread(target=self.server.run, name="web", daemon=True)

    def start(self, timeout: float = 15.0) -> None:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the web app did not start on {self.url}")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=15)


@reports_errors
def web(host: str, port: int) -> None:
    """`signoff web`: the web app and its JSON API in the foreground; it also sends queued email when
    SIGNOFF_SMTP_HOST is set (alone, nothing else would)."""
    app = application()
    web_app = create_web_app(app, deliver_mail=True)
    check_configuration(app)  # a bad file stops the start, named, rather than failing each user later
    set_aside_startup_objects()
    typer.echo(f"signoff web app on http://{host}:{port} (links in emails use {app.settings.base_url})")
    server = uvicorn.Server(server_config(web_app, host, port, WEB_LOGS))
    server.run()
    if not server.started:
        raise SystemExit(3)  # uvicorn's own exit status when it cannot start (the port is taken, say)
