"""Mark drafting and approval requests that have waited idle past the configured time (once each)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from signoff.service.dependencies import Dependencies


@dataclass
class StalledReport:
    marked: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def mark_stalled(deps: Dependencies) -> StalledReport:
    now = deps.clock.now()
    idle_days = deps.load_pipeline().monitoring.idle_after_working_days
    report = StalledReport()
    with deps.new_unit_of_work() as uow:
        # Working days are never fewer than calendar days, so this finds every candidate (and a few more).
        candidates = uow.signoffs.with_idle_work(now - timedelta(days=idle_days))
    for signoff_id in candidates:
        try:
            with deps.new_unit_of_work() as uow:
                signoff = uow.signoffs.get_unless_locked(signoff_id)
                if signoff is None:
                    continue  # busy now; the next sweep comes back to it
                marked = signoff.mark_stalled(now, deps.calendar, idle_days)
                if marked:
                    uow.commit()
                report.marked.extend(f"#{signoff_id} {key}" for key in marked)
        except Exception as error:
            report.problems.append(
                f"sign-off #{signoff_id} could not be checked: {type(error).__name__}: {error}"
            )
    return report
