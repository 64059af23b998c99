"""The command line's requests to the Prefect server: a busy server (503, 429) is asked again a moment
later, as Prefect's own client does, so that a change made while the server is loaded still starts its
run; a server that stays busy, or answers another error, is reported as unreachable, named."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from flows.run_requests import PrefectUnreachable, RunRequests

RUN = {"id": "r-1", "name": "advance-signoff-1", "state": {"type": "SCHEDULED", "name": "Scheduled"}}


class FakePrefect:
    """Answers each request with the next status of `statuses` (then 201 and a run)."""

    def __init__(self, statuses: list[int], retry_after: str | None = None) -> None:
        self.statuses = statuses
        self.retry_after = retry_after
        self.requests = 0
        self.api = ""  # where it listens, once started


@pytest.fixture
def serve() -> Iterator[type[FakePrefect]]:
    started: list[ThreadingHTTPServer] = []

    class Serving(FakePrefect):
        def __init__(self, statuses: list[int], retry_after: str | None = None) -> None:
            super().__init__(statuses, retry_after)
            fake = self

            class Handler(BaseHTTPRequestHandler):
                def do_POST(self) -> None:
                    fake.requests += 1
                    self.rfile.read(int(self.headers["Content-Length"]))
                    status = fake.statuses.pop(0) if fake.statuses else 201
                    body = json.dumps(RUN if status == 201 else {"exception_message": "Service Unavailable"})
                    self.send_response(status)
                    if fake.retry_after and status != 201:
                        self.send_header("Retry-After", fake.retry_after)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(body.encode())

                def log_message(self, *args: object) -> None:
                    pass

            self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
            started.append(self.server)
            threading.Thread(target=self.server.serve_forever, daemon=True).start()
            self.api = f"http://127.0.0.1:{self.server.server_address[1]}/api"

    yield Serving
    for server in started:
        server.shutdown()
        server.server_close()


def start(api: str) -> str:
    return (
        RunRequests(api, retry_waits=(0.01, 0.01, 0.01))
        .start("d-1", {"signoff_id": 1}, idempotency_key="k", tags=[])
        .name
    )


def test_a_busy_server_is_asked_again_and_the_run_starts(serve: type[FakePrefect]) -> None:
    prefect = serve([503, 429])
    assert start(prefect.api) == "advance-signoff-1"
    assert prefect.requests == 3


def test_its_retry_after_is_heeded_within_reason(serve: type[FakePrefect]) -> None:
    prefect = serve([503], retry_after="0")
    assert start(prefect.api) == "advance-signoff-1"
    assert prefect.requests == 2


def test_a_server_that_stays_busy_is_reported_after_four_tries(serve: type[FakePrefect]) -> None:
    prefect = serve([503] * 10)
    with pytest.raises(PrefectUnreachable, match="HTTP 503 from POST deployments/d-1/create_flow_run"):
        start(prefect.api)
    assert prefect.requests == 4


def test_another_error_is_reported_at_once(serve: type[FakePrefect]) -> None:
    prefect = serve([500])
    with pytest.raises(PrefectUnreachable, match="HTTP 500"):
        start(prefect.api)
    assert prefect.requests == 1
