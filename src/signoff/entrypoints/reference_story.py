"""The reference story, scripted once: the north-west regional SOC inspection published on 10 November
2023, taken by the Cheshire office and its force from the start to 'ready to publish', with one round of
requested changes, one edit after approval that asks the lead again, and one delegation.

`signoff demo` plays it through the flows; the tests play it through the handlers (tests/support/story.py),
through the `signoff` command (tests/e2e/test_cli.py) and against a served installation that is killed
half-way (tests/resilience/test_serve_restart.py). Change the story here, and each of them follows; the
emails it causes are counted in tests/support/story.py (EXPECTED).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from signoff.adapters.config_files import load_model
from signoff.domain.document import SectionTexts
from signoff.domain.inspection import Inspection
from signoff.domain.local_time import LOCAL_TIME
from signoff.domain.model import Outcome
from signoff.service.commands import Decide, DelegateApprovals, StartSignoff, SubmitRevision
from signoff.service.dependencies import Dependencies
from signoff.service.handlers.decide import decide
from signoff.service.handlers.delegate import delegate_approvals
from signoff.service.handlers.start_signoff import start_signoff
from signoff.service.handlers.submit_revision import submit_revision
from signoff.settings import PROJECT_ROOT

REFERENCE_INSPECTION = PROJECT_ROOT / "examples" / "nw-soc-2023-reference.yaml"
# The reference document's own texts: the demo publishes them, so its output can be set beside it.
REFERENCE_TEXTS = PROJECT_ROOT / "examples" / "texts" / "nw-soc-2023-reference.yaml"
# The reference report was published on Friday 10 November 2023; the story starts that morning.
PUBLICATION_MORNING = datetime(2023, 11, 10, 9, 30, tzinfo=LOCAL_TIME)

# The cast, from config/directory.yaml.
OWEN = "owen.prescott@cheshire-pcc.example.org"  # policy officer: drafts the summary and PCC response
RACHEL = "rachel.ashworth@cheshire-pcc.example.org"  # chief executive: approves the summary
JOHN = "john.dwyer@cheshire-pcc.example.org"  # commissioner: approves the commissioner's response
PRIYA = "priya.mistry@cheshire.police.example.org"  # force liaison: drafts the force's response
DANIEL = "daniel.holt@cheshire.police.example.org"  # strategic lead for AFI-1
ANDREW = "andrew.kershaw@cheshire.police.example.org"  # chief constable
SARAH = "sarah.lomax@cheshire.police.example.org"  # deputy chief constable
STARTED_BY = OWEN


@dataclass(frozen=True)
class Draft:
    section: str
    author: str
    text: str
    # The section's last draft: the demo writes the reference document's own text for it instead.
    final: bool = False


@dataclass(frozen=True)
class Approve:
    section: str
    actor: str


@dataclass(frozen=True)
class RequestChanges:
    section: str
    actor: str
    comment: str


@dataclass(frozen=True)
class Delegate:
    """`from_person` hands their approvals to `to_person` from now, for `days`."""

    from_person: str
    to_person: str
    days: int
    reason: str


Step = Draft | Approve | RequestChanges | Delegate


@dataclass(frozen=True)
class Scene:
    """Steps taken together at one moment, `after` the publication morning; the demo runs the router
    flow after each scene and tells it with `narration`."""

    name: str
    after: timedelta
    narration: str
    steps: tuple[Step, ...]


SUMMARY = "report-summary"
AFI = "finding-afi-1"
CONSTABULARY = "constabulary-response"
COMMISSIONER = "commissioner-response"

SCENES: tuple[Scene, ...] = (
    Scene(
        "summary drafted",
        timedelta(hours=1),
        "the report summary is drafted",
        (Draft(SUMMARY, OWEN, "NWROCU inspected."),),
    ),
    Scene(
        "changes requested",
        timedelta(hours=3),
        "the Chief Executive asks for changes",
        (RequestChanges(SUMMARY, RACHEL, "Add the grade."),),
    ),
    Scene(
        "summary redrafted",
        timedelta(hours=5),
        "the summary is redrafted",
        (Draft(SUMMARY, OWEN, "NWROCU: outstanding.", final=True),),
    ),
    Scene(
        "summary approved",
        timedelta(hours=6),
        "the Chief Executive approves the summary; the force is asked",
        (Approve(SUMMARY, RACHEL),),
    ),
    Scene(
        "force drafts",
        timedelta(days=10),
        "the force drafts AFI-1 and its response",
        (
            Draft(AFI, PRIYA, "Training rolled out."),
            Draft(CONSTABULARY, PRIYA, '"We act."', final=True),
        ),
    ),
    Scene(
        "lead approves",
        timedelta(days=10, hours=2),
        "the strategic lead approves AFI-1",
        (Approve(AFI, DANIEL),),
    ),
    Scene(
        "finding edited",
        timedelta(days=10, hours=3),
        "AFI-1 is edited: the lead's approval no longer stands",
        (Draft(AFI, PRIYA, "Training rolled out.\nNew 4P platform.", final=True),),
    ),
    Scene(
        "lead approves again",
        timedelta(days=10, hours=4),
        "the lead approves again; the Chief Constable delegates to his deputy",
        (Approve(AFI, DANIEL), Delegate(ANDREW, SARAH, days=3, reason="leave")),
    ),
    Scene(
        "deputy approves",
        timedelta(days=10, hours=5),
        "the Deputy Chief Constable approves for the Chief Constable",
        (Approve(CONSTABULARY, SARAH),),
    ),
    Scene(
        "commissioner approves",
        timedelta(days=20),
        "the Commissioner's response is drafted and approved: ready to publish",
        (Draft(COMMISSIONER, OWEN, "A strong record.", final=True), Approve(COMMISSIONER, JOHN)),
    ),
)


def reference_inspection() -> Inspection:
    return load_model(REFERENCE_INSPECTION, Inspection)


def reference_texts() -> Mapping[str, str]:
    """The reference document's text of each section, for the drafts marked final."""
    return load_model(REFERENCE_TEXTS, SectionTexts).sections


def start(deps: Dependencies) -> int:
    """The reference sign-off, started by the policy officer at the clock's time."""
    [signoff_id] = start_signoff(StartSignoff(inspection=reference_inspection(), started_by=STARTED_BY), deps)
    return signoff_id


def play(step: Step, signoff_id: int, deps: Dependencies, texts: Mapping[str, str] | None = None) -> None:
    """One step through its handler, at the clock's time; `texts` replace the final drafts' texts."""
    match step:
        case Draft(section=section, author=author, text=text, final=final):
            body = (texts or {}).get(section, text) if final else text
            submit_revision(
                SubmitRevision(signoff_id=signoff_id, section=section, author=author, body=body), deps
            )
        case Approve(section=section, actor=actor):
            decide(Decide(signoff_id=signoff_id, section=section, actor=actor, outcome=Outcome.APPROVE), deps)
        case RequestChanges(section=section, actor=actor, comment=comment):
            decide(
                Decide(
                    signoff_id=signoff_id,
                    section=section,
                    actor=actor,
                    outcome=Outcome.REQUEST_CHANGES,
                    comment=comment,
                ),
                deps,
            )
        case Delegate(from_person=from_person, to_person=to_person, days=days, reason=reason):
            now = deps.clock.now()
            delegate_approvals(
                DelegateApprovals(
                    from_person=from_person,
                    to_person=to_person,
                    starts_at=now,
                    ends_at=now + timedelta(days=days),
                    reason=reason,
                    by=from_person,
                ),
                deps,
            )
