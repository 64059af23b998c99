"""What administrators do: see what is stalled; reassign, extend, withdraw, delegate; verify the audit."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from signoff.adapters.documents.certificate_file import read_certificate
from signoff.domain.local_time import LOCAL_TIME
from signoff.entrypoints.cli.common import (
    AS_OPTION,
    JSON_OPTION,
    MAX_ID,
    after_change,
    application,
    console,
    parse_date,
    parse_moment,
    print_json,
    reports_errors,
)
from signoff.service.commands import (
    DelegateApprovals,
    EndDelegation,
    ExtendDueDate,
    Reassign,
    WithdrawSignoff,
)
from signoff.service.handlers.administer import extend_due_date, reassign_request, withdraw_signoff
from signoff.service.handlers.delegate import delegate_approvals, end_delegation
from signoff.service.queries.audit_verify import verify_audit
from signoff.service.queries.stalled import stalled

audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)


@reports_errors
def stalled_command(
    everything: bool = typer.Option(False, "--all", help="Also list what is on track."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Overdue, due-soon and idle work across all active sign-offs, and who holds it; and the responses
    approved and waiting to be published."""
    items = stalled(application().deps, include_on_track=everything)
    if as_json:
        print_json(items)
        return
    table = Table("sign-off", "stage", "section", "held by", "to", "due", "flags")
    for item in items:
        table.add_row(
            f"#{item.signoff_id} {item.pcc}",
            item.stage,
            item.section,
            item.holder,
            item.waiting_to,
            # In the zone people read every moment in, as the pages and emails give it (GMT or BST).
            f"{item.due_at.astimezone(LOCAL_TIME):%Y-%m-%d %H:%M %Z}",
            ", ".join(item.flags) or "on track",
        )
    console.print(table)
    console.print(f"{len(items)} item(s)")


@reports_errors
def reassign(
    signoff_id: int = typer.Argument(..., min=1, max=MAX_ID),
    section_key: str = typer.Argument(..., metavar="SECTION"),
    from_person: str = typer.Option(..., "--from", help="Who holds the request now."),
    to_person: str = typer.Option(..., "--to", help="Who should hold it."),
    actor: str = AS_OPTION,
) -> None:
    """Move an open approval request to someone else."""
    reassign_request(
        Reassign(
            signoff_id=signoff_id,
            section=section_key,
            from_person=from_person,
            to_person=to_person,
            admin=actor,
        ),
        application().deps,
    )
    typer.echo(f"{section_key}: reassigned from {from_person} to {to_person}")
    after_change(signoff_id)


@reports_errors
def extend(
    signoff_id: int = typer.Argument(..., min=1, max=MAX_ID),
    stage: str = typer.Argument(...),
    new_due: str = typer.Argument(..., metavar="YYYY-MM-DD"),
    actor: str = AS_OPTION,
    past_statutory: bool = typer.Option(
        False, "--past-statutory", help="Accept a date after the statutory last day (recorded as late)."
    ),
) -> None:
    """Move a stage's internal due date later (the statutory date never moves)."""
    extend_due_date(
        ExtendDueDate(
            signoff_id=signoff_id,
            stage=stage,
            new_due_on=parse_date(new_due, "new due date"),
            admin=actor,
            allow_past_statutory=past_statutory,
        ),
        application().deps,
    )
    typer.echo(f"{stage}: now due {new_due}")
    after_change(signoff_id)


@reports_errors
def withdraw(
    signoff_id: int = typer.Argument(..., min=1, max=MAX_ID),
    reason: str = typer.Option(..., help="Why: recorded in the audit trail."),
    actor: str = AS_OPTION,
) -> None:
    """Withdraw a sign-off (say, the force is not the report's subject)."""
    withdraw_signoff(WithdrawSignoff(signoff_id=signoff_id, reason=reason, admin=actor), application().deps)
    typer.echo(f"sign-off #{signoff_id} withdrawn")
    after_change(signoff_id)


@reports_errors
def delegate(
    from_person: str = typer.Option(..., "--from", help="Whose approvals."),
    to_person: str = typer.Option(..., "--to", help="Who may decide for them."),
    until: str = typer.Option(..., help="When it ends: YYYY-MM-DDTHH:MM+00:00."),
    starting: str | None = typer.Option(None, help="When it starts (default: now)."),
    reason: str = typer.Option(..., help="Why, e.g. annual leave."),
    actor: str = AS_OPTION,
) -> None:
    """Let someone decide on your approval requests for a period; decisions record 'on behalf of'."""
    app = application()
    starts_at = parse_moment(starting, "--starting") if starting else app.deps.clock.now()
    delegation_id = delegate_approvals(
        DelegateApprovals(
            from_person=from_person,
            to_person=to_person,
            starts_at=starts_at,
            ends_at=parse_moment(until, "--until"),
            reason=reason,
            by=actor,
        ),
        app.deps,
    )
    typer.echo(f"delegation #{delegation_id}: {to_person} may decide for {from_person} until {until}")
    after_change(None)


@reports_errors
def end_delegation_command(
    delegation_id: int = typer.Argument(
        ..., min=1, max=MAX_ID, help="The delegation's number (`delegate` printed it)."
    ),
    actor: str = AS_OPTION,
) -> None:
    """End a delegation before its last day (back from leave sooner); both people are told."""
    end_delegation(EndDelegation(delegation_id=delegation_id, by=actor), application().deps)
    typer.echo(f"delegation #{delegation_id} ended")
    after_change(None)


@audit_app.command("verify")
@reports_errors
def audit_verify(
    signoff_id: int = typer.Argument(..., min=1, max=MAX_ID),
    certificate: Path | None = typer.Option(
        None,
        "--certificate",
        help="Also check a certificate of completion (certificate.html or .json) against the record.",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Check the audit trail and the rows it records; exits 1 if anything was altered, removed or added.

    The hash chain proves the events; the events bind every revision (its text and SHA-256), approval
    request, decision and publication, so a hand edit to any of them is named with its table and row.
    """
    facts = read_certificate(certificate) if certificate is not None else None
    report = verify_audit(signoff_id, application().deps, facts)
    if as_json:
        print_json(report)
    elif report.intact:
        rows = (
            f"{len(report.unproved)} rows predate the audit trail's record of rows and are not proved:"
            if report.unproved
            else "every revision, approval request, decision and publication is as recorded"
        )
        typer.echo(
            f"audit trail of sign-off #{signoff_id} is intact: {report.events} events, head {report.head}; "
            + rows
        )
        for unproved in report.unproved:
            typer.echo(f"  - {unproved}")
        if certificate is not None:
            shown = " and every name, time and hash the page shows" if facts and facts.visible else ""
            typer.echo(
                f"certificate {certificate} matches the record exactly: every section's final text, "
                f"every approval, the audit head its publication certified{shown}"
            )
    else:
        what = "audit trail or certificate" if certificate is not None else "audit trail"
        typer.echo(f"{what} of sign-off #{signoff_id} is BROKEN:", err=True)
        for problem in report.problems:
            typer.echo(f"  - {problem}", err=True)
    if not report.intact:
        raise typer.Exit(1)


@audit_app.command("log")
@reports_errors
def audit_log(signoff_id: int = typer.Argument(..., min=1, max=MAX_ID), as_json: bool = JSON_OPTION) -> None:
    """The audit trail, oldest first."""
    app = application()
    with app.deps.new_unit_of_work() as uow:
        uow.signoffs.get(signoff_id)
        roster = uow.directory.roster()
        events = uow.signoffs.audit_events(signoff_id)
        rows = [
            {
                "seq": e.seq,
                "at": e.at.isoformat(),
                "action": e.action,
                "subject": e.subject,
                "actor": roster.describe(e.actor_id) if e.actor_id else "signoff",
                "on_behalf_of": roster.describe(e.on_behalf_of_id) if e.on_behalf_of_id else None,
                "revision": e.revision_hash,
                "details": e.details,
                "hash": e.hash,
            }
            for e in events
        ]
    if as_json:
        print_json({"signoff_id": signoff_id, "events": rows})
        return
    table = Table("#", "when (UTC)", "who", "what", "subject")
    for row in rows:
        who = str(row["actor"]) + (f" for {row['on_behalf_of']}" if row["on_behalf_of"] else "")
        table.add_row(str(row["seq"]), str(row["at"])[:16], who, str(row["action"]), str(row["subject"]))
    console.print(table)
