"""The deployments, once: their names, schedules and concurrency, for `signoff serve` and for `prefect.yaml`
(a test keeps the two the same).

Schedules are anchored to the clock in Europe/London, not to the moment a process started: the sweep runs
on the quarter hour whichever `signoff serve` (or worker) is up, and restarting one moves nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from math import ceil

from prefect.schedules import Cron, Interval, Schedule

from signoff.domain.local_time import LOCAL_TIME

TIME_ZONE = LOCAL_TIME.key  # Europe/London
# Intervals that no cron line can say (every 7 minutes, every 2 seconds in the tests) count from here.
ANCHOR = datetime(2024, 1, 1, tzinfo=UTC)  # midnight in London as in UTC: winter time
SWEEP_EVERY = timedelta(minutes=15)
# A backstop: the mail relay sends new email within half a second of its commit.
DELIVER_EVERY = timedelta(minutes=5)
# The publications watcher: hourly unless config/watch.yaml's every_minutes says otherwise.
WATCH_EVERY = timedelta(minutes=60)


@dataclass(frozen=True)
class DeploymentSpec:
    flow_name: str
    name: str
    function: str  # in flows/signoff_flows.py
    one_at_a_time: bool = False

    @property
    def full_name(self) -> str:
        return f"{self.flow_name}/{self.name}"


ADVANCE = DeploymentSpec("advance-signoff", "advance-signoff", "advance_signoff_flow")
START = DeploymentSpec("start-signoff", "start-signoff", "start_signoff_flow")
PUBLISH = DeploymentSpec("publish-signoff", "publish-signoff", "publish_signoff_flow")
DELIVER = DeploymentSpec("deliver-mail", "deliver-mail", "deliver_mail_flow", one_at_a_time=True)
SWEEP = DeploymentSpec("deadline-sweep", "deadline-sweep", "deadline_sweep_flow", one_at_a_time=True)
WATCH = DeploymentSpec(
    "watch-publications", "watch-publications", "watch_publications_flow", one_at_a_time=True
)
# What `signoff serve` serves, publish-signoff too: `signoff publish` and the web app ask for its run.
SERVED = (ADVANCE, START, PUBLISH, DELIVER, SWEEP, WATCH)
DEPLOYED = SERVED


def cron_line(every: timedelta) -> str | None:
    """A cron line for a period that divides the hour or the day evenly, else None."""
    seconds = int(every.total_seconds())
    if seconds <= 0 or seconds % 60:
        return None
    minutes = seconds // 60
    if minutes == 1:
        return "* * * * *"
    if minutes < 60 and 60 % minutes == 0:
        return f"*/{minutes} * * * *"
    if minutes % 60 == 0 and 24 % (hours := minutes // 60) == 0:
        return "0 * * * *" if hours == 1 else f"0 */{hours} * * *"
    return None


def schedule_every(every: timedelta) -> Schedule:
    """On the clock in London: a cron line where one fits, else an interval counted from a fixed anchor."""
    line = cron_line(every)
    if line is not None:
        return Cron(line, timezone=TIME_ZONE)
    return Interval(every, anchor_date=ANCHOR, timezone=TIME_ZONE)


def next_tick(now: datetime, every: timedelta) -> datetime:
    """The first moment at or after `now` on the anchored grid (what the schedules above would run)."""
    steps = ceil((now - ANCHOR) / every)
    return ANCHOR + steps * every
