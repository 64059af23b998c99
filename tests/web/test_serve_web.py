"""`signoff serve` runs the web app beside the flows: one process serves the pages and sends the mail."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from signoff.adapters.mail_sink import free_port
from tests.support.prefect_server import seed_prefect_home

SIGNOFF = str(Path(sys.executable).parent / "signoff")


def test_signoff_serve_serves_the_web_app_beside_the_flows(database_url: str, tmp_path: Path) -> None:
    web_port = free_port()
    env = {
        # Without PYTHONUNBUFFERED, as an operator's service runs it: serve's lines must still reach its log.
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SIGNOFF_", "PREFECT_")) and k != "PYTHONUNBUFFERED"
        },
        "SIGNOFF_DATABASE_URL": database_url,
        "SIGNOFF_VAR_DIR": str(tmp_path),
        "SIGNOFF_MAIL_DIR": str(tmp_path / "mail"),
        "PREFECT_HOME": str(seed_prefect_home(tmp_path / "prefect")),
        "DO_NOT_TRACK": "1",
    }
    log_path = tmp_path / "serve.log"
    with (
        log_path.open("wb") as log,
        subprocess.Popen(
            [SIGNOFF, "serve", "--web-port", str(web_port), "--mail-sink-port", str(free_port())],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        ) as process,
    ):
        try:
            deadline = time.monotonic() + 90
            answer = None
            while time.monotonic() < deadline and answer is None:
                assert process.poll() is None, log_path.read_text(errors="replace")
                try:
                    answer = httpx.get(f"http://127.0.0.1:{web_port}/sign-in", timeout=1)
                except httpx.HTTPError:
                    time.sleep(0.2)
            assert answer is not None, "signoff serve's web app did not answer in 90 s"
            assert answer.status_code == 200
            assert "Email me a sign-in link" in answer.text
            while "ready" not in log_path.read_text(errors="replace") and time.monotonic() < deadline:
                time.sleep(0.2)
            said = log_path.read_text(errors="replace")
            assert f"web app on http://127.0.0.1:{web_port}" in said, said
            assert "; ready" in said, said
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
            # Its ephemeral Prefect server is a child process of its own: none may outlive the test.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
