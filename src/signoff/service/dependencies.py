"""What every handler is given: a way to open a unit of work, the clock, the calendar, the pipeline."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from signoff.domain.attention_rule import AttentionLimits

    # Only named in the fields' annotations: a command imports the published document's model (and the
    # rest) only if it uses it.
    from signoff.domain.deadlines import WorkingCalendar
    from signoff.domain.document import PublicationConfig
    from signoff.domain.notifications import Links, NotificationRules
    from signoff.domain.pipeline import Pipeline, PipelineChoice
    from signoff.service.clock import Clock
    from signoff.service.ports import DocumentRenderer, EmailRenderer, PublicationStore, UnitOfWork


@dataclass(frozen=True)
class Dependencies:
    new_unit_of_work: Callable[[], UnitOfWork]
    clock: Clock
    calendar: WorkingCalendar
    load_pipeline: Callable[[], Pipeline]
    load_notification_rules: Callable[[], NotificationRules]
    links: Links
    renderer: EmailRenderer
    documents: DocumentRenderer
    load_publication_config: Callable[[], PublicationConfig]
    publications: PublicationStore
    # The pipelines by inspection type (config/pipelines/); without it, every report follows load_pipeline's.
    load_pipelines: Callable[[], PipelineChoice] | None = None

    def attention_limits(self) -> AttentionLimits:
        """The one attention rule's limits now, from the pipeline's monitoring settings and working hours:
        what the administration page, the stalled list and the sweep's events all judge by."""
        from signoff.domain.attention_rule import attention_limits

        pipeline = self.load_pipeline()
        return attention_limits(
            self.clock.now(),
            self.calendar,
            pipeline.working_hours.timezone,
            pipeline.monitoring.due_soon_working_days,
            pipeline.monitoring.idle_after_working_days,
        )
