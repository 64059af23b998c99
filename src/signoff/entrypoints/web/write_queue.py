"""Writes wait their turn in the app, first come first served, instead of in the database.

SQLite takes one writer at a time; a writer that finds it busy sleeps in SQLite's busy handler with
growing pauses, so under load some requests wait seconds while later ones slip past. PostgreSQL takes
many, but twenty requests deciding at once in one process only share the interpreter between them.
Queueing unsafe requests here (an asyncio semaphore: fair, and no thread holds a lock while it waits)
keeps the slowest request close to the typical one. A request takes its turn only once its whole body
has arrived: a slow upload never holds the queue.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class WriteQueue:
    def __init__(self, app: ASGIApp, concurrent: int) -> None:
        self.app = app
        self.concurrent = concurrent
        self._turns: asyncio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in UNSAFE:
            await self.app(scope, receive, send)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left before it finished sending
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        if self._turns is None:  # made on the server's event loop, at the first write
            self._turns = asyncio.Semaphore(self.concurrent)
        async with self._turns:
            await self.app(scope, replay, send)
