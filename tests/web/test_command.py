"""`signoff web` serves the app as a process of its own; it refuses to start in production without a key."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from signoff.adapters.mail_sink import free_port

SIGNOFF = str(Path(sys.executable).parent / "signoff")


def test_signoff_web_serves_the_app(database_url: str, tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "SIGNOFF_DATABASE_URL": database_url, "SIGNOFF_VAR_DIR": str(tmp_path)}
    with subprocess.Popen(
        [SIGNOFF, "web", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    ) as process:
        try:
            deadline = time.monotonic() + 30
            answer = None
            while time.monotonic() < deadline and answer is None:
                try:
                    answer = httpx.get(f"http://127.0.0.1:{port}/sign-in", timeout=1)
                except httpx.HTTPError:
                    time.sleep(0.1)
            assert answer is not None, "signoff web did not answer in 30 s"
            assert answer.status_code == 200
            assert "Email me a sign-in link" in answer.text
            assert (
                httpx.get(f"http://127.0.0.1:{port}/api/openapi.json", timeout=5).json()["info"]["title"]
                == "signoff"
            )
        finally:
            process.terminate()
            process.wait(timeout=30)


def test_signoff_web_refuses_production_without_a_secret_key(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "SIGNOFF_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
        "SIGNOFF_ENVIRONMENT": "production",
    }
    env.pop("SIGNOFF_SECRET_KEY", None)
    result = subprocess.run(
        [SIGNOFF, "web", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "SIGNOFF_SECRET_KEY" in result.stdout + result.stderr
