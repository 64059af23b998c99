"""The flows: start a sign-off, route it (advance), sweep for due notices and missed steps, deliver mail."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from prefect import State, flow, get_run_logger, tags, task
from prefect.artifacts import create_table_artifact
from prefect.states import Failed

from flows import steps
from flows.events import emit_deadline_events, emit_delivery_events, emit_publication_done
from flows.runtime import application
from flows.task_policy import ADVANCE_S, DELIVER_S, PUBLISH_S, SWEEP_S, WATCH_S, retried
from signoff.domain.errors import SignoffError
from signoff.domain.inspection import Inspection
from signoff.service.commands import PublishSignoff, StartSignoff
from signoff.service.handlers.publish import publish_result, publish_signoff
from signoff.service.handlers.start_signoff import start_signoff
from signoff.service.handlers.watch_publications import UNREADABLE_TOLD, WatchReport, watch_publications
from signoff.service.log_context import about_signoff


@task(name="advance", task_run_name="advance sign-off {signoff_id}", **retried(ADVANCE_S))
def advance_task(signoff_id: int) -> list[str]:
    return steps.advance(application(), signoff_id)


@task(name="section", task_run_name="{section_key}")
def section_task(section_key: str, row: dict[str, str]) -> dict[str, str]:  # noqa: ARG001 - names the run
    """Where one section stands; a task each, so the Prefect UI shows every section of the stage."""
    return row


@task(name="deliver-mail", **retried(DELIVER_S))
def deliver_task() -> dict[str, Any]:
    """Send what is due, and tell Prefect of every email refused or failed and of an unreachable server."""
    report = steps.deliver_report(application())
    if report is None:
        return {"sent": 0, "problem": steps.NO_MAIL_SERVER, "unreachable": False}
    emit_delivery_events(report)
    return {**asdict(report), "unreachable": report.problem is not None}


@task(name="queue-due-notices", **retried(SWEEP_S))
def due_notices_task() -> dict[str, Any]:
    return steps.queue_due_notices(application())


@task(name="mark-stalled", **retried(SWEEP_S))
def mark_stalled_task() -> dict[str, Any]:
    return steps.mark_stalled_work(application())


@task(name="status-artifact", task_run_name="status of sign-off {signoff_id}")
def status_artifact_task(signoff_id: int, rows: list[dict[str, str]]) -> None:
    create_table_artifact(
        table=rows,
        key=f"signoff-{signoff_id}",
        description=f"Sign-off #{signoff_id}: sections, holders, decisions",
    )


@flow(name="advance-signoff", flow_run_name="advance-signoff-{signoff_id}")
def advance_signoff_flow(signoff_id: int) -> list[str]:
    """The router: close what is finished, open what is next, send the emails, show where it stands.

    Idempotent: a second run finds nothing to do and sends nothing twice. A sign-off that does not
    exist fails the run with that message; a withdrawn one ends it saying so, changing nothing.
    """
    with about_signoff(signoff_id):
        return _advance(signoff_id)


def _advance(signoff_id: int) -> list[str]:
    logger = get_run_logger()
    done = advance_task(signoff_id)
    report = deliver_task()  # first: the next person's email is what someone is waiting for
    detail = steps.status(application(), signoff_id)  # read once, for the section tasks and the artifact
    rows = steps.status_table(detail)
    for row in rows:
        if row["stage"].endswith("(open)"):
            section_task(row["section"], row)
    status_artifact_task(signoff_id, rows)
    state = detail.state
    if state == "withdrawn":
        logger.warning("sign-off #%s is withdrawn: nothing to do", signoff_id)
    logger.info(
        "sign-off #%s (%s): %s; %s email(s) sent",
        signoff_id,
        state,
        "; ".join(done) or "nothing to do",
        report["sent"],
    )
    return done


@flow(name="start-signoff", flow_run_name="start-signoff")
def start_signoff_flow(
    inspection: dict[str, Any], started_by: str, respond_for: list[str] | None = None
) -> list[int]:
    """Intake: one sign-off per responding office, its first stage open, its first emails sent."""
    command = StartSignoff(
        inspection=Inspection.model_validate(inspection), started_by=started_by, respond_for=respond_for
    )
    ids = start_signoff(command, application().deps)
    for signoff_id in ids:
        with tags(f"signoff:{signoff_id}"):
            advance_signoff_flow(signoff_id)
    return ids


@flow(name="deadline-sweep", flow_run_name="deadline-sweep")
def deadline_sweep_flow() -> dict[str, Any]:
    """Due reminders, overdue notices and escalations, once each; work idle past the configured time
    marked stalled; then any sign-off a lost trigger left behind is advanced. One broken sign-off is
    reported and never stops the rest."""
    logger = get_run_logger()
    app = application()
    notices = due_notices_task()
    emit_deadline_events(list(notices.get("overdue") or []), list(notices.get("at_risk") or []))
    stalled = mark_stalled_task()
    healed: list[int] = []
    problems: list[str] = list(notices.get("problems") or []) + list(stalled["problems"])
    for signoff_id in steps.needing_advance(app):
        try:
            with tags(f"signoff:{signoff_id}"):
                advance_signoff_flow(signoff_id)
            healed.append(signoff_id)
        except SignoffError as error:
            problems.append(f"sign-off #{signoff_id}: {error.message}")
        except Exception as error:
            problems.append(f"sign-off #{signoff_id} could not be advanced: {type(error).__name__}: {error}")
    report = deliver_task()
    for problem in problems:
        logger.error(problem)
    return {
        "queued": notices["queued"],
        "stalled": stalled["marked"],
        "advanced": healed,
        "sent": report["sent"],
        "problems": problems,
    }


@task(name="publish", task_run_name="publish sign-off {signoff_id}", **retried(PUBLISH_S))
def publish_task(signoff_id: int, by: str, note: str, version: int | None = None) -> dict[str, Any]:
    command = PublishSignoff(signoff_id=signoff_id, by=by, note=note, version=version)
    return publish_result(publish_signoff(command, application().deps))


@flow(name="publish-signoff", flow_run_name="publish-signoff-{signoff_id}")
def publish_signoff_flow(
    signoff_id: int, by: str, note: str = "", version: int | None = None
) -> dict[str, Any]:
    """The publication stage: the response and its certificate written to a dated folder with a
    manifest, the publication recorded, then the published notice and the formal copies sent."""
    with tags(f"signoff:{signoff_id}", "stage:publication"), about_signoff(signoff_id):
        published = publish_task(signoff_id, by, note, version)
        emit_publication_done(signoff_id, published)
        delivered = deliver_task()
    return {**published, "sent": delivered["sent"]}


@flow(name="deliver-mail", flow_run_name="deliver-mail")
def deliver_mail_flow() -> dict[str, Any] | State[dict[str, Any]]:
    """The outbox, sent; the counts are the run's result and its last log line.

    Ends Failed when the mail server cannot be reached, so that the Prefect UI (and an automation on
    failed runs) shows it: nothing is lost (the emails wait in the outbox for the next run), but nobody
    receives anything until someone looks. A refused email is not a failed run: it is retried, or failed
    for good and reported as an event and in `signoff mail list`.
    """
    logger = get_run_logger()
    result = deliver_task()
    line = (
        f"{result['sent']} sent, {result.get('retrying', 0)} to try again, "
        f"{result.get('failed', 0)} failed for good, {result.get('released', 0)} released"
    )
    if result["unreachable"]:
        logger.warning("the mail server cannot be reached (%s): %s", result["problem"], line)
        return Failed(message=f"the mail server cannot be reached: {result['problem']}", data=result)
    logger.info("%s%s", line, f" ({result['problem']})" if result.get("problem") else "")
    return result


@task(name="watch-publications", task_run_name="read {listing}", **retried(WATCH_S))
def watch_task(listing: str | None) -> WatchReport:
    from signoff.watching import watch_dependencies  # the watcher's wiring, loaded only where it runs

    return watch_publications(watch_dependencies(application()), listing)


@flow(name="watch-publications", flow_run_name="watch-publications")
def watch_publications_flow(listing: str | None = None) -> dict[str, Any] | State[dict[str, Any]]:
    """The inspectorate's publications: each new report proposed, once, to every office it concerns
    (config/watch.yaml), with its email; nothing starts without a person.

    Ends Failed when the listing cannot be fetched or read, so the Prefect UI shows it; the next run tries
    again, and the administrators are told after config/watch.yaml's report_failures_after runs in a row.
    """
    logger = get_run_logger()
    report = watch_task(listing)
    for line in report.lines():
        logger.info("%s", line)
    if report.proposed:
        create_table_artifact(
            table=[
                {"proposal": p.proposal_id, "office": p.office, "report": p.title, "to check": p.flags}
                for p in report.proposed
            ],
            key="watch-publications",
            description=f"Reports proposed from {report.listing}",
        )
    sent = deliver_task()["sent"] if report.proposed or report.administrators_told else 0
    result = {
        "listing": report.listing,
        "listed": report.listed,
        "new": report.new,
        "proposed": [asdict(p) for p in report.proposed],
        "unreadable": report.unreadable_reports[:UNREADABLE_TOLD],
        "unreadable_count": len(report.unreadable_reports),
        "sent": sent,
    }
    if report.listing_problem is not None:
        return Failed(message=report.lines()[0], data=result)
    return result
