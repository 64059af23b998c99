"""A write waiting for the database (a lock the sweep, the command line or another process holds) holds up
nobody else: the web app answers other requests meanwhile. Each write runs in a worker thread, not on the
event loop every request shares."""

from __future__ import annotations

import re
import shutil
import sqlite3
import threading
from pathlib import Path

import httpx

from signoff.adapters.mail_sink import free_port
from signoff.bootstrap import bootstrap
from signoff.entrypoints.web.server import WebServer
from signoff.service.clock import FixedClock
from signoff.service.handlers.load_directory import load_directory
from signoff.settings import PROJECT_ROOT, Settings
from tests.people import OWEN
from tests.support.app import PUBLICATION_MORNING


def test_a_page_is_answered_while_a_sign_in_waits_for_the_database(
    tmp_path: Path, sqlite_template: Path
) -> None:
    database = tmp_path / "signoff.db"
    shutil.copy(sqlite_template, database)  # migrated
    port = free_port()
    settings = Settings(
        database_url=f"sqlite:///{database}",
        config_dir=PROJECT_ROOT / "config",
        var_dir=tmp_path / "var",
        base_url=f"http://127.0.0.1:{port}",  # type: ignore[arg-type]
    )
    app = bootstrap(settings, clock=FixedClock(PUBLICATION_MORNING))
    load_directory(app.load_directory_config(), app.deps.load_pipeline(), app.deps)
    server = WebServer(app, "127.0.0.1", port)
    server.start()
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=20) as client:
            form = client.get("/sign-in")
            token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
            assert token is not None
            holder = sqlite3.connect(database, timeout=1, isolation_level=None)
            holder.execute("BEGIN IMMEDIATE")  # another writer holds the database
            answered: list[int] = []

            def ask_for_a_link() -> None:  # a client of its own, with the same session
                with httpx.Client(base_url=client.base_url, cookies=client.cookies, timeout=40) as own:
                    sent = own.post("/sign-in", data={"csrf_token": token.group(1), "email": OWEN})
                    answered.append(sent.status_code)

            asking = threading.Thread(target=ask_for_a_link)
            try:
                asking.start()
                asking.join(timeout=1)  # under way, and waiting for the database
                assert asking.is_alive(), answered
                # Answered while the sign-in still waits: before, the whole process waited with it. (A page
                # that reads the database waits its turn on SQLite, which takes every transaction's lock
                # up front; on PostgreSQL it would not.)
                assert client.get("/responses/check-certificate", timeout=10).status_code == 200
                assert asking.is_alive()
            finally:
                holder.execute("ROLLBACK")
                holder.close()
            asking.join(timeout=30)
            assert answered == [200]
    finally:
        server.stop()
        app.engine.dispose()
