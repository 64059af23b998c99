"""The flows called for real against a Prefect server, with the clock injected."""

from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from datetime import timedelta

import pytest
import yaml
from prefect.client.orchestration import get_client
from sqlalchemy import func, select, text

from flows.signoff_flows import (
    advance_signoff_flow,
    deadline_sweep_flow,
    deliver_mail_flow,
    publish_signoff_flow,
    start_signoff_flow,
)
from signoff.adapters.config_files import load_model
from signoff.adapters.orm import outbox
from signoff.bootstrap import Application
from signoff.domain.errors import NotFound
from signoff.domain.inspection import Inspection
from signoff.service.clock import FixedClock
from signoff.service.commands import StartSignoff, WithdrawSignoff
from signoff.service.handlers.administer import withdraw_signoff
from signoff.service.handlers.start_signoff import start_signoff
from signoff.service.queries.signoff_read import signoff_detail
from tests.people import HANNAH, OWEN, PRIYA, RACHEL
from tests.publication.reference import ready_to_publish
from tests.smtp_server import SmtpServer
from tests.support.story import REFERENCE, approve, draft, start_reference


def outbox_rows(app: Application) -> int:
    with app.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(outbox)).scalar_one())


def sent_rows(app: Application) -> Counter[str]:
    with app.engine.connect() as connection:
        rows = connection.execute(select(outbox.c.state, func.count()).group_by(outbox.c.state))
        return Counter({str(state): int(count) for state, count in rows})


def test_start_flow_opens_the_first_stage_and_sends_its_email(smtp: tuple[SmtpServer, Application]) -> None:
    server, app = smtp
    payload = yaml.safe_load(REFERENCE.read_text(encoding="utf-8"))
    payload["published"] = str(payload["published"])
    [signoff_id] = start_signoff_flow(payload, OWEN)
    assert signoff_detail(signoff_id, app.deps).current_stage == "report_summary"
    assert [str(m["X-Signoff-Event"]) for m in server.inbox.to(OWEN)] == ["drafting_assigned"]


def test_the_router_run_twice_changes_nothing_the_second_time(smtp: tuple[SmtpServer, Application]) -> None:
    server, app = smtp
    signoff_id = start_reference(app)
    draft(app, signoff_id, "report-summary", OWEN, "Summary.")
    approve(app, signoff_id, "report-summary", RACHEL)
    advance_signoff_flow(signoff_id)
    first = len(server.inbox.messages)
    assert first == 5
    assert advance_signoff_flow(signoff_id) == []
    assert len(server.inbox.messages) == first
    assert sent_rows(app) == Counter({"sent": first})


def test_the_router_publishes_a_status_artifact_per_signoff(flows_app: Application) -> None:
    signoff_id = start_reference(flows_app)
    advance_signoff_flow(signoff_id)

    async def read() -> list[object]:
        from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
        from prefect.client.schemas.sorting import ArtifactSort

        async with get_client() as client:
            found = await client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[f"signoff-{signoff_id}"])),
                sort=ArtifactSort.CREATED_DESC,
                limit=1,
            )
            return list(found)

    [artifact] = asyncio.run(read())
    assert "report-summary" in str(artifact.data)  # type: ignore[attr-defined]
    assert "Owen Prescott" in str(artifact.data)  # type: ignore[attr-defined]


def test_a_router_run_for_a_missing_signoff_fails_with_its_message(flows_app: Application) -> None:
    with pytest.raises(NotFound, match="#999"):
        advance_signoff_flow(999)


def test_a_router_run_for_a_withdrawn_signoff_changes_nothing(flows_app: Application) -> None:
    signoff_id = start_reference(flows_app)
    withdraw_signoff(
        WithdrawSignoff(signoff_id=signoff_id, reason="Not our force.", admin=HANNAH), flows_app.deps
    )
    before = outbox_rows(flows_app)
    assert advance_signoff_flow(signoff_id) == []
    assert outbox_rows(flows_app) == before
    assert signoff_detail(signoff_id, flows_app.deps).state == "withdrawn"


def test_the_sweep_jumps_56_days_sends_each_notice_once_and_nothing_the_second_time(
    smtp: tuple[SmtpServer, Application], clock: FixedClock
) -> None:
    server, app = smtp
    signoff_id = start_reference(app)
    draft(app, signoff_id, "report-summary", OWEN, "Summary.")
    clock.advance(timedelta(days=56))
    first = deadline_sweep_flow()
    second = deadline_sweep_flow()
    assert first["queued"] == 2  # overdue to Rachel, escalation to the office's administrator
    assert second["queued"] == 0
    assert second["sent"] == 0
    assert Counter(str(m["X-Signoff-Event"]) for m in server.inbox.messages) == Counter(
        {"drafting_assigned": 1, "approval_requested": 1, "overdue": 1, "escalation": 1}
    )


def test_the_sweep_advances_a_signoff_a_lost_trigger_left_behind(flows_app: Application) -> None:
    signoff_id = start_reference(flows_app)
    draft(flows_app, signoff_id, "report-summary", OWEN, "Summary.")
    approve(flows_app, signoff_id, "report-summary", RACHEL)
    # As if the process died between the approval and the next stage opening.
    with flows_app.engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE stages SET state = 'pending', opened_at = NULL WHERE signoff_id = :id AND key = :key"
            ),
            {"id": signoff_id, "key": "constabulary_response"},
        )
        connection.execute(
            text(
                "UPDATE sections SET state = 'pending' WHERE stage_id IN "
                "(SELECT id FROM stages WHERE signoff_id = :id AND key = 'constabulary_response')"
            ),
            {"id": signoff_id},
        )
    result = deadline_sweep_flow()
    assert result["advanced"] == [signoff_id]
    assert signoff_detail(signoff_id, flows_app.deps).current_stage == "constabulary_response"
    draft(flows_app, signoff_id, "finding-afi-1", PRIYA, "Now it can be drafted.")
    assert deadline_sweep_flow()["advanced"] == []


# A failed statement aborts the whole transaction on PostgreSQL: each sign-off's step must be its own.
@pytest.mark.both_databases
def test_a_broken_signoff_fails_alone_and_the_sweep_goes_on(
    flows_app: Application, clock: FixedClock
) -> None:
    broken = start_reference(flows_app)
    healthy = start_reference_for(flows_app, "cumbria-pcc", "matthew.armstrong@cumbria-pcc.example.org")
    draft(flows_app, broken, "report-summary", OWEN, "Summary.")
    delete_person_by_hand(flows_app, RACHEL)  # the approver the broken sign-off waits for
    clock.advance(timedelta(days=56))
    result = deadline_sweep_flow()
    [problem] = result["problems"]
    assert f"sign-off #{broken}" in problem
    # The healthy one's overdue notice and escalation still went out.
    with flows_app.engine.connect() as connection:
        healthy_notices = connection.execute(
            select(func.count())
            .select_from(outbox)
            .where(outbox.c.signoff_id == healthy, outbox.c.event.in_(["overdue", "escalation"]))
        ).scalar_one()
    assert healthy_notices == 2


def delete_person_by_hand(app: Application, email: str) -> None:
    """What an administrator might do in the database, foreign keys or not."""
    url = app.engine.url
    if url.get_backend_name() == "sqlite":
        with sqlite3.connect(str(url.database)) as connection:
            connection.execute("PRAGMA foreign_keys=OFF")
            connection.execute("DELETE FROM people WHERE email = ?", (email,))
        return
    with app.engine.begin() as connection:
        connection.execute(text("SET LOCAL session_replication_role = replica"))
        connection.execute(text("DELETE FROM people WHERE email = :email"), {"email": email})


def start_reference_for(app: Application, office: str, starter: str) -> int:
    """The reference report answered by another office, started by its own people; the finding's
    lead (Cheshire's) is not that office's force's to use, so it is left to the force's leads."""
    reference = load_model(REFERENCE, Inspection)
    findings = [f.model_copy(update={"lead": None}) for f in reference.findings]
    inspection = reference.model_copy(update={"findings": findings})
    [signoff_id] = start_signoff(
        StartSignoff(inspection=inspection, started_by=starter, respond_for=[office]), app.deps
    )
    return signoff_id


def test_deliver_mail_flow_sends_the_outbox(smtp: tuple[SmtpServer, Application]) -> None:
    server, app = smtp
    start_reference(app)
    assert deliver_mail_flow()["sent"] == 1
    assert len(server.inbox.messages) == 1


def test_the_sweep_marks_idle_work_stalled_once(flows_app: Application, clock: FixedClock) -> None:
    signoff_id = start_reference(flows_app)
    draft(flows_app, signoff_id, "report-summary", OWEN, "Summary.")
    clock.advance(timedelta(days=3))
    assert deadline_sweep_flow()["stalled"] == []
    clock.advance(timedelta(days=7))  # well past five working days without a decision
    assert deadline_sweep_flow()["stalled"] == [f"#{signoff_id} report-summary"]
    assert deadline_sweep_flow()["stalled"] == []
    with flows_app.engine.connect() as connection:
        actions = (
            connection.execute(
                text("SELECT action FROM audit_events WHERE signoff_id = :id"), {"id": signoff_id}
            )
            .scalars()
            .all()
        )
    assert actions.count("approval_stalled") == 1
    # A decision starts the clock again: the next stage's drafting is not stalled.
    approve(flows_app, signoff_id, "report-summary", RACHEL)
    assert deadline_sweep_flow()["stalled"] == []


def test_the_publish_flow_publishes_and_the_copies_reach_hmicfrs_and_the_home_secretary(
    smtp: tuple[SmtpServer, Application], clock: FixedClock
) -> None:
    server, app = smtp
    signoff_id = ready_to_publish(app)
    clock.advance(timedelta(days=38))
    result = publish_signoff_flow(signoff_id, HANNAH)
    assert result["version"] == 1
    assert result["on_time"] is True
    assert signoff_detail(signoff_id, app.deps).state == "published"
    pdf = (app.settings.publication_dir / result["folder"] / "response.pdf").read_bytes()
    for address in ("pcc-responses@hmicfrs.example.org", "home.secretary@homeoffice.example.org"):
        [copy] = server.inbox.to(address)
        [attachment] = list(copy.iter_attachments())
        assert attachment.get_content() == pdf
    assert [str(m["X-Signoff-Event"]) for m in server.inbox.to(HANNAH)][-1] == "published"
    assert sent_rows(app)["sent"] == len(server.inbox.messages)
