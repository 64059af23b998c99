"""Asking a Prefect server for a deployment's run, over its REST API, without importing Prefect.

A command that changes a sign-off asks for a run and returns: importing Prefect's client to do that
cost the command line about two seconds of its three. These few calls are the REST API's own
(`/deployments/name/...`, `/deployments/{id}/create_flow_run`, `/flow_runs/filter`), as Prefect's
`run_deployment` makes them, with the standard library's HTTP client (even httpx costs a command a tenth
of a second to import); the server is the one PREFECT_API_URL names, with PREFECT_API_KEY or
PREFECT_API_AUTH_STRING if set, and the run's address is in the UI at PREFECT_UI_URL (by default the
API's address without its `/api`).
"""

from __future__ import annotations

import base64
import json
import os
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

TIMEOUT_S = 10.0
# A busy server answers these for a moment (Prefect's own client retries them too); every call here is
# safe to repeat (a read, or a run asked for with its idempotency key). Waits before each retry, seconds.
RETRIED_STATUSES = frozenset({429, 502, 503, 504})
RETRY_WAITS_S = (0.5, 1.0, 2.0)
LONGEST_RETRY_AFTER_S = 5.0
FINAL_STATES = frozenset({"COMPLETED", "FAILED", "CRASHED", "CANCELLED"})


class PrefectUnreachable(Exception):
    """The server did not answer, or answered with an error."""


@dataclass(frozen=True)
class RunSeen:
    """A flow run as the server holds it."""

    id: str
    name: str
    state_type: str | None
    state_name: str | None
    url: str | None

    @property
    def final(self) -> bool:
        return self.state_type in FINAL_STATES


def api_url() -> str | None:
    return os.environ.get("PREFECT_API_URL") or None


def ui_url() -> str | None:
    configured = os.environ.get("PREFECT_UI_URL")
    if configured:
        return configured.rstrip("/")
    api = api_url()
    return api.rstrip("/").removesuffix("/api") if api else None


class RunRequests:
    """A command's few requests to the server."""

    def __init__(self, api: str | None = None, retry_waits: tuple[float, ...] = RETRY_WAITS_S) -> None:
        self._retry_waits = retry_waits
        base = api or api_url()
        if not base:
            raise PrefectUnreachable("PREFECT_API_URL is not set")
        self._base = base.rstrip("/") + "/"

    def __enter__(self) -> RunRequests:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def deployment_id(self, full_name: str) -> str | None:
        """The id of deployment `flow/deployment`, or None if the server has no such deployment."""
        found = self._call("GET", f"deployments/name/{full_name}")
        return None if found is None else str(found["id"])

    def run_with_key(self, idempotency_key: str) -> RunSeen | None:
        """The run this idempotency key already named, if any."""
        body = {"flow_runs": {"idempotency_key": {"any_": [idempotency_key]}}, "limit": 1}
        found = self._call("POST", "flow_runs/filter", body)
        return _run(found[0]) if found else None

    def start(
        self,
        deployment_id: str,
        parameters: dict[str, Any],
        *,
        idempotency_key: str,
        tags: list[str],
        name: str | None = None,
    ) -> RunSeen:
        """A new Scheduled run of the deployment (or the one its idempotency key already named)."""
        body: dict[str, Any] = {"parameters": parameters, "idempotency_key": idempotency_key, "tags": tags}
        if name:
            # The name the flow gives its run: the one printed is the one the UI shows.
            body["name"] = name
        return _run(self._required("POST", f"deployments/{deployment_id}/create_flow_run", body))

    def read(self, run_id: str) -> RunSeen:
        return _run(self._required("GET", f"flow_runs/{run_id}"))

    def _required(self, method: str, path: str, body: Any = None) -> Any:
        found = self._call(method, path, body)
        if found is None:
            raise PrefectUnreachable(f"not found: {method} {path}")
        return found

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        """The answer's JSON; None for 404 (no such deployment or run). A busy server's answer (503, say)
        is asked again after RETRY_WAITS_S, or the Retry-After it gives (up to LONGEST_RETRY_AFTER_S)."""
        for wait in self._retry_waits:
            try:
                return self._call_once(method, path, body)
            except _Busy as busy:
                time.sleep(min(busy.retry_after, LONGEST_RETRY_AFTER_S) if busy.retry_after else wait)
        try:
            return self._call_once(method, path, body)
        except _Busy as busy:
            raise PrefectUnreachable(busy.message) from busy

    def _call_once(self, method: str, path: str, body: Any) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 - the operator's own Prefect server, http(s) only
            self._base + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json", "Accept": "application/json", **_auth()},
        )
        if not request.full_url.startswith(("http://", "https://")):
            raise PrefectUnreachable(f"PREFECT_API_URL is not an http(s) address: {self._base}")
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as answer:  # noqa: S310 - checked above
                return json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return None
            message = f"HTTP {error.code} from {method} {path}: {error.read()[:200].decode(errors='replace')}"
            if error.code in RETRIED_STATUSES:
                raise _Busy(message, _seconds(error.headers.get("Retry-After"))) from error
            raise PrefectUnreachable(message) from error
        except (OSError, ValueError) as error:
            raise PrefectUnreachable(f"{type(error).__name__}: {error}") from error


class _Busy(Exception):
    """An answer worth asking again in a moment."""

    def __init__(self, message: str, retry_after: float | None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def _seconds(retry_after: str | None) -> float | None:
    try:
        return max(0.0, float(retry_after)) if retry_after else None
    except ValueError:  # an HTTP date: the usual waits will do
        return None


def _auth() -> dict[str, str]:
    key = os.environ.get("PREFECT_API_KEY")
    if key:
        return {"Authorization": f"Bearer {key}"}
    basic = os.environ.get("PREFECT_API_AUTH_STRING")
    if basic:
        return {"Authorization": "Basic " + base64.b64encode(basic.encode()).decode()}
    return {}


def _run(data: dict[str, Any]) -> RunSeen:
    state = data.get("state") or {}
    ui = ui_url()
    return RunSeen(
        id=str(data["id"]),
        name=str(data.get("name") or ""),
        state_type=state.get("type"),
        state_name=state.get("name"),
        url=f"{ui}/runs/flow-run/{data['id']}" if ui else None,
    )
