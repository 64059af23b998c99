"""Mark drafting and approval requests that have waited idle past the configured time (once each)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from signoff.domain.attention_rule import attention_limits
from signoff.service.dependencies import Dependencies

# The notice sweep's: one transaction per batch of sign-offs, not per sign-off.
from signoff.service.handlers.send_due_notices import BATCH_SIZE


@dataclass
class StalledReport:
    marked: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def mark_stalled(deps: Dependencies) -> StalledReport:
    now = deps.clock.now()
    pipeline = deps.load_pipeline()
    idle_days = pipeline.monitoring.idle_after_working_days
    report = StalledReport()
    # The attention rule's limit in working days, as the stalled list reads it: every stored sign-off's
    # working hours share the pipeline's one time zone, so the query finds exactly the sign-offs the
    # domain will mark (a limit in calendar days read, every sweep, those idle for fewer working days).
    limits = attention_limits(now, deps.calendar, pipeline.working_hours.timezone, 0, idle_days)
    with deps.new_unit_of_work() as uow:
        candidates = uow.signoffs.with_idle_work(limits.idle_before)
    for start in range(0, len(candidates), BATCH_SIZE):
        batch = candidates[start : start + BATCH_SIZE]
        try:
            report.marked += _mark_batch(batch, deps, now, idle_days, report.problems)
        except Exception:  # whatever broke the batch, each sign-off is tried alone
            for signoff_id in batch:
                try:
                    report.marked += _mark_batch([signoff_id], deps, now, idle_days, report.problems)
                except Exception as error:
                    report.problems.append(_could_not_check(signoff_id, error))
    return report


def _mark_batch(
    signoff_ids: Sequence[int], deps: Dependencies, now: datetime, idle_days: int, problems: list[str]
) -> list[str]:
    """Mark what is idle in each sign-off of the batch, in one transaction; those another transaction
    holds now are left for the next sweep, and one that cannot be checked is reported."""
    marked: list[str] = []
    failed: list[str] = []
    with deps.new_unit_of_work() as uow:
        for signoff in uow.signoffs.get_many_unless_locked(signoff_ids):
            try:
                newly = signoff.mark_stalled(now, deps.calendar, idle_days)
            except Exception as error:  # one broken sign-off never stops the rest
                failed.append(_could_not_check(signoff.id, error))
                continue
            marked += [f"#{signoff.id} {key}" for key in newly]
        if marked:
            uow.commit()
    problems += failed
    return marked


def _could_not_check(signoff_id: int | None, error: Exception) -> str:
    return f"sign-off #{signoff_id} could not be checked: {type(error).__name__}: {error}"
