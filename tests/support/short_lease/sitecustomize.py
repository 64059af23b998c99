"""A shorter deployment-slot lease for the processes of a fault test: on their PYTHONPATH, Python runs this
at start-up (`site` imports `sitecustomize`), before any of Prefect's code.

Prefect's flow engine holds a deployment's concurrency slot with a lease it renews for 300 s at a time, a
figure written into the engine, not a setting. A flow run SIGKILLed with its worker keeps the slot until
the lease runs out, so a test that sweeps every minute (to see several sweeps in a few minutes) would see
five minutes of sweeps refused after each such kill. With the shipped quarter-hour sweep a 300 s lease
runs out before the next one is due, so production is not affected; the test shortens the lease to
SIGNOFF_TEST_SLOT_LEASE_SECONDS (60 by default, the shortest the server accepts) instead of waiting.
"""

from __future__ import annotations

import os
import threading
from typing import Any
from uuid import UUID

from prefect.concurrency import _leases

LEASE_SECONDS = float(os.environ.get("SIGNOFF_TEST_SLOT_LEASE_SECONDS", "60"))
_renewal_loop: Any = _leases._lease_renewal_loop


def _shorter_renewal_loop(lease_id: UUID, lease_duration: float, stop_event: threading.Event) -> None:
    _renewal_loop(lease_id, min(lease_duration, LEASE_SECONDS), stop_event)


_leases._lease_renewal_loop = _shorter_renewal_loop
