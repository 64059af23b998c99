"""A real `prefect server` and a scratch PostgreSQL database, for the fault tests (tests/resilience/) and
the benchmarks (bench/) alike: one way to start the one and to make and drop the other."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from signoff.adapters.database import upgrade_to_head
from signoff.adapters.mail_sink import free_port

BIN = Path(sys.executable).parent
LOCAL_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"

Launch = Callable[[list[str], dict[str, str]], "subprocess.Popen[bytes]"]


def _quiet(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )


def start_prefect_server(
    root: Path,
    env: dict[str, str],
    *,
    port: int | None = None,
    launch: Launch = _quiet,
    timeout: float = 120,
) -> tuple[subprocess.Popen[bytes], str]:
    """`prefect server start` on loopback, its home under `root`; (the process, its API URL) once healthy.

    `launch` starts the process (the fault tests' keeps a log and can kill it); by default, quietly, in a
    session of its own.
    """
    port = port or free_port()
    if "PREFECT_API_DATABASE_CONNECTION_URL" not in env:
        seed_prefect_home(root / "prefect-server")
    server = launch(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        {**env, "PREFECT_HOME": str(root / "prefect-server")},
    )
    api = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + timeout
    while not _healthy(api):
        if server.poll() is not None:
            raise RuntimeError(f"the Prefect server exited with {server.returncode} before it was healthy")
        if time.monotonic() > deadline:
            raise TimeoutError(f"the Prefect server at {api} was not healthy after {timeout:.0f} s")
        time.sleep(0.2)
    return server, api


def _healthy(api: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api}/health", timeout=1) as response:  # noqa: S310 - loopback
            return bool(response.status == 200)
    except OSError:
        return False


def postgres_server_url() -> str:
    """The server the suite uses (SIGNOFF_TEST_POSTGRES_URL's, or the local one)."""
    return os.environ.get("SIGNOFF_TEST_POSTGRES_URL") or LOCAL_SERVER


@contextmanager
def scratch_postgres(prefix: str = "signoff_scratch", server: str | None = None) -> Iterator[str]:
    """A migrated database of its own on the PostgreSQL server, dropped afterwards (even if in use).

    OperationalError, before anything is made, when no server answers.
    """
    address = make_url(server or postgres_server_url())
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    # No pool: a fault test may restart the server, and the drop must not use a connection from before.
    admin = create_engine(address.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = address.set(database=name).render_as_string(hide_password=False)
        try:
            upgrade_to_head(url)
            yield url
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def seed_prefect_home(home: Path) -> Path:
    """`home` (made if need be) with a Prefect database already migrated, unless it has one: a Prefect
    server started there on SQLite (`prefect server start`, or the ephemeral one of `signoff serve`) then
    skips Prefect's migrations, some 7 s of CPU of the 13 it takes to answer on the two-core machine."""
    home.mkdir(parents=True, exist_ok=True)
    database = home / "prefect.db"
    if not database.exists():
        shutil.copyfile(migrated_prefect_database(), database)
    return home


def migrated_prefect_database() -> Path:
    """A Prefect SQLite database migrated to head, made once per Prefect version on this machine (under the
    temporary folder; the xdist workers wait for whichever makes it first) and copied from then on."""
    folder = Path(tempfile.gettempdir()) / f"signoff-tests-prefect-{version('prefect')}"
    database = folder / "prefect.db"
    if database.exists():
        return database
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not database.exists():
            scratch = Path(tempfile.mkdtemp(dir=folder))
            env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
            subprocess.run(
                [str(BIN / "prefect"), "server", "database", "upgrade", "-y"],
                env={**env, "PREFECT_HOME": str(scratch), "DO_NOT_TRACK": "1"},
                check=True,
                capture_output=True,
                timeout=300,
            )
            (scratch / "prefect.db").rename(database)  # whole, or not at all: the others read it as it is
            shutil.rmtree(scratch)
    return database
