"""Running the web app under uvicorn: `signoff web` in the foreground, or a thread beside other work
(`signoff serve`, the browser tests, the benchmarks)."""

from __future__ import annotations

import threading
import time

import typer
import uvicorn

from signoff.bootstrap import Application
from signoff.entrypoints.cli.common import application, reports_errors
from signoff.entrypoints.long_running import set_aside_startup_objects
from signoff.entrypoints.web.app import create_web_app


class WebServer:
    """uvicorn in a daemon thread; `start` returns once it accepts connections."""

    def __init__(
        self, app: Application, host: str = "127.0.0.1", port: int = 8000, *, deliver_mail: bool = False
    ) -> None:
        config = uvicorn.Config(
            create_web_app(app, deliver_mail=deliver_mail),
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            lifespan="on",
        )
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
    set_aside_startup_objects()
    typer.echo(f"signoff web app on http://{host}:{port} (links in emails use {app.settings.base_url})")
    uvicorn.run(web_app, host=host, port=port, log_level="info")
