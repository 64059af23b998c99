"""A small in-memory limit on how often one client may do something: so many times in a sliding window.

Per process: behind several web processes each counts its own, so the limit a client meets is at most
the processes times this. Time is given by the caller (the application's clock), never read here.
"""

from __future__ import annotations

import threading
from collections import deque
from datetime import datetime, timedelta


class SlidingWindowLimit:
    def __init__(self, limit: int, window: timedelta, *, clients: int = 10_000) -> None:
        self.limit = limit
        self.window = window
        self._clients = clients
        self._seen: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str, now: datetime) -> bool:
        """Count this attempt and say whether it is within the limit; a refused attempt is not counted."""
        with self._lock:
            times = self._seen.pop(client, None) or deque()
            while times and times[0] <= now - self.window:
                times.popleft()
            allowed = len(times) < self.limit
            if allowed:
                times.append(now)
            if times:
                self._seen[client] = times  # re-inserted last: the dict stays in order of last use
            while len(self._seen) > self._clients:
                # Many clients at once: forget the one least recently seen, so memory stays bounded.
                del self._seen[next(iter(self._seen))]
            return allowed
