"""`signoff prefect setup`: the automations signoff wants on its Prefect server, as code.

Run it again at will: each automation is found by its name and updated to what this file says (a duplicate
made by hand is deleted), so the server ends with one of each.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING
from uuid import UUID

import typer

from signoff.domain.errors import InvalidInput
from signoff.entrypoints.cli.common import console, reports_errors
from signoff.entrypoints.cli.prefect_environment import prepare_prefect

if TYPE_CHECKING:
    from prefect.client.orchestration import SyncPrefectClient
    from prefect.events.schemas.automations import AutomationCore

prefect_app = typer.Typer(help="The Prefect server's side of signoff.", no_args_is_help=True)

STUCK = "signoff: crash flow runs stuck in Pending or Running"
MAIL = "signoff: email failed or mail server unreachable"
NAMES = (STUCK, MAIL)
MAIL_EVENTS = frozenset({"signoff.email.failed", "signoff.smtp.unreachable"})
# Every state name Prefect gives (tests/flows keep it whole): its state events are named after them.
FLOW_RUN_STATES = frozenset(
    {
        "Scheduled", "Late", "AwaitingRetry", "AwaitingConcurrencySlot", "Pending", "Submitting",
        "InfrastructurePending", "Running", "Retrying", "Paused", "Suspended", "Resuming", "Completed",
        "Cached", "RolledBack", "Failed", "TimedOut", "Crashed", "Cancelling", "Cancelled",
    }
)  # fmt: skip
# The states of type Pending or Running. Entering the first of them starts the wait; only a state outside
# them ends it. Not any event of the run: a worker's run reports its pull step while Pending and heartbeats
# while Running. And not a move between them: Prefect's proactive trigger lets an event that both starts
# and ends a wait (Pending, then Submitting) end the first wait without starting another, so a worker's
# run killed after Submitting was never crashed.
WAITING_STATES = frozenset({"Pending", "Submitting", "InfrastructurePending", "Running", "Retrying"})
NOTIFICATION_BODY = (
    "{{ event.event }}: {{ event.resource.name }} at {{ event.occurred }}.\n"
    "{{ event.payload.error or event.payload.problem }}\n"
    "See `signoff mail` (an email failed for good waits for `signoff mail retry`)."
)


@prefect_app.command("setup")
@reports_errors
def setup(
    stuck_minutes: int = typer.Option(
        10, min=1, max=1440, help="Crash a signoff flow run in Pending or Running this long without a change."
    ),
    notify_block: str | None = typer.Option(
        None,
        "--notify-block",
        help="The notification block (NAME, or BLOCK-TYPE/NAME, e.g. slack-webhook/ops) told of mail problems.",
    ),
) -> None:
    """Create or update signoff's automations on the Prefect server in PREFECT_API_URL."""
    prepare_prefect(quiet=True)
    from flows.version_check import refuse_untested_prefect

    refuse_untested_prefect()
    for line in ensure_automations(stuck_after=timedelta(minutes=stuck_minutes), notify_block=notify_block):
        console.print(line, highlight=False, markup=False)


def ensure_automations(*, stuck_after: timedelta, notify_block: str | None) -> list[str]:
    """Make the server's automations what `automations` says; a line for each, saying what was done."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        raise InvalidInput(
            "PREFECT_API_URL is not set: automations need a Prefect server (`prefect server start`)"
        )
    lines: list[str] = []
    with get_client(sync_client=True) as client:
        block_id = _notification_block(client, notify_block) if notify_block else None
        for wanted in automations(stuck_after, block_id):
            existing = client.read_automations_by_name(wanted.name)
            if not existing:
                client.create_automation(wanted)
                lines.append(f"created: {wanted.name}")
            else:
                first, *extra = existing
                if block_id is None:
                    # Kept as set up before: running setup without the option must not silence anyone.
                    wanted.actions = [
                        a for a in first.actions if a.type == "send-notification"
                    ] or wanted.actions
                client.update_automation(_stored(first.id), wanted)
                for duplicate in extra:
                    client.delete_automation(_stored(duplicate.id))
                lines.append(
                    f"updated: {wanted.name}" + (f" ({len(extra)} duplicate(s) deleted)" if extra else "")
                )
            lines.append(f"  {wanted.description}")
            if wanted.name == MAIL and not any(a.type == "send-notification" for a in wanted.actions):
                lines.append(
                    "  notifies nobody yet: no notification block was named. The events stay in the Prefect UI's "
                    "event feed; run again with --notify-block NAME (a block made with `prefect block create`)"
                )
    return lines


def automations(stuck_after: timedelta, notification_block: UUID | None) -> list[AutomationCore]:
    """signoff's automations: what they watch and what they do."""
    from prefect.client.schemas.objects import StateType
    from prefect.events.actions import ChangeFlowRunState, DoNothing, SendNotification
    from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture

    from flows.deployments import DEPLOYED

    minutes = int(stuck_after.total_seconds() // 60)
    stuck = AutomationCore(
        name=STUCK,
        description=(
            f"A flow run of signoff's flows still Pending or Running {minutes} min after it was picked up (its "
            "process died, its machine went away) is marked Crashed; the sweep repairs what it left."
        ),
        tags=["signoff"],
        trigger=EventTrigger(
            match={"prefect.resource.id": "prefect.flow-run.*"},
            match_related={
                "prefect.resource.role": "flow",
                "prefect.resource.name": sorted({spec.flow_name for spec in DEPLOYED}),
            },
            after={f"prefect.flow-run.{state}" for state in WAITING_STATES},
            expect={f"prefect.flow-run.{state}" for state in FLOW_RUN_STATES - WAITING_STATES},
            for_each={"prefect.resource.id"},
            posture=Posture.Proactive,
            threshold=1,
            within=stuck_after,
        ),
        actions=[
            ChangeFlowRunState(
                state=StateType.CRASHED,
                message=f"signoff: no progress for {minutes} min; marked Crashed by `signoff prefect setup`'s automation",
                force=True,
            )
        ],
    )
    notify: list[SendNotification | DoNothing] = (
        [
            SendNotification(
                block_document_id=notification_block,
                subject="signoff: {{ event.event }}",
                body=NOTIFICATION_BODY,
            )
        ]
        if notification_block
        else [DoNothing()]
    )
    mail = AutomationCore(
        name=MAIL,
        description="An email failed for good, or the mail server could not be reached: someone must look.",
        tags=["signoff"],
        trigger=EventTrigger(
            expect=set(MAIL_EVENTS), posture=Posture.Reactive, threshold=1, within=timedelta(0)
        ),
        actions=list(notify),
    )
    return [stuck, mail]


def _stored(automation_id: UUID | None) -> UUID:
    if automation_id is None:  # never, for an automation read from the server
        raise RuntimeError("the Prefect server returned an automation without an id")
    return automation_id


def _notification_block(client: SyncPrefectClient, named: str) -> UUID:
    slug, _, name = named.rpartition("/")
    found = [
        block
        for block in client.read_block_documents(include_secrets=False)
        if block.name == name
        and (not slug or (block.block_type is not None and block.block_type.slug == slug))
        and block.block_schema is not None
        and "notify" in block.block_schema.capabilities
    ]
    if len(found) != 1:
        problem = "no notification block" if not found else "several notification blocks"
        raise InvalidInput(
            f"--notify-block: {problem} named {named!r} on this Prefect server; create one with "
            "`prefect block create slack-webhook` (or another notification block), or name it as BLOCK-TYPE/NAME"
        )
    return found[0].id
