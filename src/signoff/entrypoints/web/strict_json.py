"""The API's JSON bodies read strictly: a key given twice is refused, not read as its last value.

`{"outcome": "request_changes", "comment": "Please fix", "outcome": "approve"}` reads to a person as a
request for changes; Python's reader would record an approval. FastAPI reads a body through the request's
`json()`, and turns a JSONDecodeError into a 422 naming it (app.py shows its reason)."""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute


class _KeyGivenTwice(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _object_of(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise _KeyGivenTwice(key)
        found[key] = value
    return found


class _StrictJsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = json.loads(body, object_pairs_hook=_object_of)
            except _KeyGivenTwice as twice:
                text = body.decode("utf-8", errors="replace")
                raise json.JSONDecodeError(
                    f"the key {twice.key!r} is given twice: give it once", text, 0
                ) from None
        return self._json


class StrictJsonRoute(APIRoute):
    """An API route whose JSON body may not give a key twice."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict(request: Request) -> Response:
            return await handler(_StrictJsonRequest(request.scope, request.receive))

        return strict
