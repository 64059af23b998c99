"""The notice watermark changes what the sweep reads, never what it sends.

The sign-off machine of test_domain_properties.py (every command, valid or not, mixed with time passing)
gains a sweep that runs twice side by side: one looks at the sign-off on every run, as the sweep did
before the watermark; the other only when the watermark has passed, moving it on afterwards, as the
sweep does now. After every step both have queued exactly the same notices.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule, run_state_machine_as_test

from signoff.adapters.config_files import load_model
from signoff.domain.deadline_notices import due_notices, watermark_after_sweep
from signoff.domain.notice_builder import NoticeBuilder
from signoff.domain.notifications import Links, NotificationRules
from signoff.domain.transitions import SignoffState
from tests.resilience.harness import report
from tests.resilience.test_domain_properties import (
    CALENDAR,
    CAST,
    CONFIG,
    FORCE,
    HANNAH,
    PCC,
    ROSTER,
    SCENARIOS,
    SETTINGS,
    SignoffMachine,
    start,
)

BUILDER = NoticeBuilder(
    load_model(CONFIG / "notifications.yaml", NotificationRules), ROSTER, Links("https://signoff.example")
)


def test_the_watermarked_sweep_queues_exactly_what_a_sweep_of_everything_queues() -> None:
    totals = {"sweeps": 0, "looked_at": 0, "queued": 0}

    class Swept(SignoffMachine):
        def __init__(self) -> None:
            super().__init__()
            self.queued_reading_everything: set[str] = set()
            self.queued_with_watermark: set[str] = set()
            self.sweeps = self.looked_at = 0

        @rule(hours=st.sampled_from([0, 1, 3, 8, 24, 24 * 3, 24 * 8]), minutes=st.integers(0, 59))
        def sweep(self, hours: int, minutes: int) -> None:
            now = self.tick(hours) + timedelta(minutes=minutes)
            self.now = now
            self.sweeps += 1
            self.queued_reading_everything |= {n.key for n in due_notices(self.signoff, BUILDER, now)}
            watermark = self.signoff.notices_due_from
            if watermark is not None and watermark <= now:
                self.looked_at += 1
                self.queued_with_watermark |= {n.key for n in due_notices(self.signoff, BUILDER, now)}
                self.signoff.notices_swept(now)

        # The machine's own reassign and extend are mostly refused (they try anything); these two mostly
        # succeed, so that a holder changes, or a stage's moments move, after its notices went out.
        @rule(data=st.data(), hours=st.sampled_from([0, 2, 24]))
        def reassign_a_pending_approval(self, data: st.DataObject, hours: int) -> None:
            stage = self.signoff.current_stage()
            pending = [
                (section, request)
                for section in (stage.sections if stage is not None else [])
                for request in section.open_requests()
            ]
            if not pending:
                return
            section, request = data.draw(st.sampled_from(pending), label="request")
            taken = {r.approver_id for r in section.current_requests()} | set(section.drafter_ids)
            free = [p for p in CAST if p.organisation in (PCC, FORCE) and p.id not in taken]
            to_person = data.draw(st.sampled_from(free), label="to_person")
            now = self.tick(hours)
            self.attempt(
                "reassign",
                lambda: self.signoff.reassign(
                    section.key, request.approver_id, to_person, HANNAH.id, ROSTER, now
                ),
            )

        @rule(working_days=st.integers(min_value=1, max_value=15), hours=st.sampled_from([0, 2, 24]))
        def extend_the_open_stage(self, working_days: int, hours: int) -> None:
            stage = self.signoff.current_stage()
            if stage is None:
                return
            new_due_on = CALENDAR.add_working_days(stage.due_on, working_days)
            now = self.tick(hours)
            done = self.attempt(
                "extend",
                lambda: self.signoff.extend(
                    stage.key, new_due_on, HANNAH.id, ROSTER, CALENDAR, now, allow_past_statutory=True
                ),
            )
            if done and new_due_on > self.signoff.statutory_last_day:
                self.extended_past_statutory.add(stage.key)

        @invariant()
        def both_sweeps_have_queued_the_same_notices(self) -> None:
            if not hasattr(self, "signoff"):
                return
            missing = self.queued_reading_everything - self.queued_with_watermark
            assert not missing, f"the watermark held back {sorted(missing)}"
            assert self.queued_with_watermark == self.queued_reading_everything

        @invariant()
        def the_watermark_is_never_in_the_past_of_a_moment_still_to_come(self) -> None:
            if not hasattr(self, "signoff"):
                return
            watermark = self.signoff.notices_due_from
            upcoming = watermark_after_sweep(self.signoff, self.now)
            if watermark is not None and upcoming is not None:
                assert watermark <= upcoming, (watermark, upcoming)
            if watermark is None:
                # Nothing can fall due before a change: no moment is still to come, or it is finished.
                assert upcoming is None or self.signoff.state is not SignoffState.ACTIVE

        def teardown(self) -> None:
            totals["sweeps"] += self.sweeps
            totals["looked_at"] += self.looked_at
            totals["queued"] += len(self.queued_reading_everything)

    run_state_machine_as_test(Swept, settings=SETTINGS)
    report(f"notice watermark: {totals}")
    # Not vacuous: notices fell due, and the watermark spared the sweep some of its reading.
    assert totals["queued"] > 20, totals
    assert totals["looked_at"] < totals["sweeps"], totals


def test_a_new_signoff_is_looked_at_from_its_start_then_from_its_first_moment() -> None:
    signoff = start(SCENARIOS[0])
    assert signoff.notices_due_from is not None
    assert signoff.notices_due_from <= SCENARIOS[0].start
    signoff.notices_swept(SCENARIOS[0].start)
    stage = signoff.current_stage()
    assert stage is not None
    assert signoff.notices_due_from == min(stage.remind_at, stage.due_at, stage.escalate_at)
    assert signoff.notices_due_from > SCENARIOS[0].start


def test_a_holder_named_after_every_moment_has_passed_is_still_told() -> None:
    """Once a stage's escalation has gone out, nothing more falls due (no watermark) until a change: a
    reassignment then brings it back, and the new approver's overdue notice goes out (not an escalation
    about them: they were handed the work after its escalation moment, once per lapse)."""
    scenario = SCENARIOS[0]
    signoff = start(scenario)
    stage = signoff.current_stage()
    assert stage is not None
    section = stage.ordered_sections()[0]
    signoff.submit_revision(section.key, section.drafter_ids[0], "Summary.", scenario.start)
    [request] = list(section.open_requests())
    late = stage.escalate_at + timedelta(hours=1)
    sent = {n.key for n in due_notices(signoff, BUILDER, late)}
    signoff.notices_swept(late)
    assert signoff.notices_due_from is None
    taken = {request.approver_id, *section.drafter_ids}
    to_person = next(p for p in CAST if p.organisation == PCC and p.id not in taken and p.active)
    signoff.reassign(section.key, request.approver_id, to_person, HANNAH.id, ROSTER, late)
    assert signoff.notices_due_from is not None
    assert signoff.notices_due_from <= late
    new = {n.key for n in due_notices(signoff, BUILDER, late)} - sent
    assert any(f":overdue:{to_person.id}:" in key for key in new), new
    assert not any(f":escalation:{to_person.id}:" in key for key in new), new
