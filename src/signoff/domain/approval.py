"""Approval steps and their quorum, and who may decide on a section now.

The quorum rule (how many approvals a step needs) is written here once: the aggregate counts with it and
the sign-off's page describes it with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Literal, TypeAlias

from signoff.domain.access import stands_in_for
from signoff.domain.directory import Roster
from signoff.domain.errors import AlreadyDecided, InvalidTransition, NotPermitted, SignoffError, TextChanged
from signoff.domain.transitions import RequestState, SectionState
from signoff.domain.vocabulary import JsonValue

if TYPE_CHECKING:
    from signoff.domain.entities import ApprovalRequest, Delegation, Revision, Section

# "all" of the step's approvers, "any" one of them, or this many of them.
Require: TypeAlias = Literal["all", "any"] | int


def approvals_needed(require: Require, approvers: int) -> int:
    """The quorum: how many approvals a step with `approvers` people in it needs to pass."""
    if require == "all":
        return approvers
    if require == "any":
        return 1
    return int(require)


def describe_quorum(require: Require, names: list[str]) -> str:
    """The quorum as people read it: 'any one of A, B'."""
    if len(names) == 1:
        return names[0]
    if require == "all":
        return "all of " + ", ".join(names)
    if require == "any":
        return "any one of " + ", ".join(names)
    return f"{require} of " + ", ".join(names)


@dataclass(frozen=True)
class ApprovalStep:
    """One of a section's sequential approval steps: who approves, and how many of them must."""

    require: Require
    # As planned when the sign-off started, reassignments applied: each new round starts from them.
    approver_ids: tuple[int, ...]
    # This round's: the author of the text left out, reassignments applied.
    round_approver_ids: tuple[int, ...]

    @classmethod
    def planned(cls, require: Require, approver_ids: Iterable[int]) -> ApprovalStep:
        people = tuple(approver_ids)
        return cls(require=require, approver_ids=people, round_approver_ids=people)

    def needed(self, approvers: int) -> int:
        return approvals_needed(self.require, approvers)

    def for_round(self, approver_ids: Iterable[int]) -> ApprovalStep:
        return replace(self, round_approver_ids=tuple(approver_ids))

    def with_place_given(self, from_person_id: int, to_person_id: int) -> ApprovalStep:
        """The step with one person's place given to another, in this round and every later one."""

        def swapped(people: tuple[int, ...]) -> tuple[int, ...]:
            return tuple(to_person_id if p == from_person_id else p for p in people)

        return replace(
            self, approver_ids=swapped(self.approver_ids), round_approver_ids=swapped(self.round_approver_ids)
        )

    def to_json(self) -> dict[str, JsonValue]:
        return {
            "require": self.require,
            "approver_ids": list(self.approver_ids),
            "round_approver_ids": list(self.round_approver_ids),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> ApprovalStep:
        require = data["require"]
        if not (require in ("all", "any") or (isinstance(require, int) and not isinstance(require, bool))):
            raise ValueError(f"an approval step's require is {require!r}, not 'all', 'any' or a number")
        return cls(
            require=require,
            approver_ids=_ids(data["approver_ids"]),
            round_approver_ids=_ids(data["round_approver_ids"]),
        )


def _ids(value: object) -> tuple[int, ...]:
    if not isinstance(value, list) or not all(isinstance(p, int) for p in value):
        raise ValueError(f"an approval step's approvers are {value!r}, not a list of ids")
    return tuple(value)


def approvers_of(section: Section) -> set[int]:
    """Everyone the section names as an approver: configured, or holding a request (after a reassignment)."""
    configured = {p for step in section.approval_steps for p in step.approver_ids}
    return configured | {r.approver_id for r in section.requests}


def steps_without_author(section: Section, author_id: int) -> list[ApprovalStep]:
    """The approval steps with the authors left out (`author_id`, and whoever wrote a revision since the
    text was last approved), or NotPermitted when that leaves a step unable to pass."""
    authors = section.author_ids | {author_id}
    steps: list[ApprovalStep] = []
    for number, step in enumerate(section.approval_steps, start=1):
        approvers = [p for p in step.approver_ids if p not in authors]
        if not approvers or step.needed(len(approvers)) > len(approvers):
            raise NotPermitted(
                f"the author is an approver of section {section.key!r} (step {number}) and nobody may "
                "approve their own text: another drafter must submit it, or an administrator must "
                "reassign the approval"
            )
        steps.append(step.for_round(approvers))
    return steps


def step_passed(section: Section, step: int) -> bool:
    """Whether the step of the current round has the approvals it needs (a reassigned place counts not)."""
    step_requests = [
        r for r in section.current_requests() if r.step == step and r.state is not RequestState.REASSIGNED
    ]
    approvals = sum(1 for r in step_requests if r.state is RequestState.APPROVED)
    return approvals >= section.approval_steps[step].needed(len(step_requests))


def text_decided_on(section: Section, read: int | None) -> Revision:
    """The revision a decision is on: the section's current one, which the person deciding must have read.
    `read` is the revision their page (or command) showed them; None where it is not said."""
    revision = section.current_revision
    assert revision is not None  # noqa: S101 - a pending request implies a revision
    if read is not None and read != revision.number:
        # Approving revision 1 while revision 2 was saved would put their name to a text they never saw.
        raise revised_while_read(section.key, revision.number, read)
    return revision


def written_on(section: Section, base: int | None) -> None:
    """A new text written on revision `base` (0: none yet; None: not said) of a section since revised by
    someone else: saved, it would replace their text without anyone seeing it."""
    current = section.current_revision.number if section.current_revision is not None else 0
    if base is not None and base != current:
        raise TextChanged(
            f"section {section.key!r} was revised while you wrote: the text is now revision {current}, and "
            f"yours was written on {f'revision {base}' if base else 'no text'}; read it (your text is kept), "
            "then save again"
        )


def revised_while_read(section_key: str, current: int, read: int) -> TextChanged:
    """The refusal of a decision made on revision `read` of a section now at revision `current`."""
    return TextChanged(
        f"section {section_key!r} was revised while you read it: the text is now revision {current}, "
        f"not revision {read}; read it, then decide"
    )


def request_to_decide(
    section: Section,
    actor_id: int,
    delegations: Iterable[Delegation],
    roster: Roster,
    now: datetime,
) -> tuple[ApprovalRequest, int | None]:
    """The pending request this person decides, directly or for whom; otherwise why they cannot."""
    pending = [r for r in section.current_requests() if r.state is RequestState.PENDING]
    actor = roster.by_id(actor_id)
    # Not a place of the organisation they have since left (the office's, now they are of the force).
    own_place = section.place_of(actor_id) in (None, actor.organisation)
    direct = next((r for r in pending if r.approver_id == actor_id), None) if own_place else None
    if direct is not None:
        return direct, None
    delegators = stands_in_for(actor, delegations, roster, now)
    on_behalf = next((r for r in pending if r.approver_id in delegators), None)
    if on_behalf is not None:
        return on_behalf, on_behalf.approver_id
    mine = [r for r in section.current_requests() if r.approver_id == actor_id or r.approver_id in delegators]
    if not mine:
        configured = {p for step in section.approval_steps for p in step.approver_ids}
        revision = section.written_by(actor_id)
        if revision is not None and actor_id in configured and section.state is SectionState.IN_APPROVAL:
            raise NotPermitted(f"nobody may approve their own text: revision {revision.number} is theirs")
        if actor_id not in configured and not delegators & configured:
            raise NotPermitted(f"{roster.describe(actor_id)} is not an approver of section {section.key!r}")
        if section.state is SectionState.APPROVED:
            raise AlreadyDecided(f"section {section.key!r} is already approved; nothing waits for a decision")
        raise InvalidTransition(
            f"section {section.key!r} is {section.state.value.replace('_', ' ')}, not waiting for approval"
        )
    if any(r.state is RequestState.WAITING for r in mine):
        if section.awaiting_others:
            raise InvalidTransition(
                f"section {section.key!r} is approved after the other sections of its stage; "
                "they are not all approved yet"
            )
        raise InvalidTransition(
            f"it is not yet your turn to approve section {section.key!r}: an earlier step must finish"
        )
    decided = [r for r in mine if r.decision is not None]
    if decided:
        last = decided[-1]
        assert last.decision is not None  # noqa: S101 - filtered above
        raise AlreadyDecided(
            f"section {section.key!r}: {roster.describe(last.decision.decided_by_id)} already decided "
            f"({last.decision.outcome.value.replace('_', ' ')}) on this revision at "
            f"{last.decision.decided_at:%Y-%m-%d %H:%M} UTC"
        )
    if any(r.state is RequestState.REASSIGNED for r in mine):
        raise NotPermitted(f"your approval request on section {section.key!r} was reassigned to someone else")
    raise AlreadyDecided(
        f"section {section.key!r} no longer needs your approval: its step already has the approvals it needs"
    )


def refuse_a_second_place(
    section: Section, request: ApprovalRequest, actor_id: int, on_behalf_of: int | None, roster: Roster
) -> None:
    """One person is one approval in a round, whether they give it as themselves or for someone else.

    Through a delegation, one person could otherwise fill two places of a 'require all' step: their
    own, then the absent colleague's (or the other way round). Reassignment refuses the same.
    """
    if on_behalf_of is not None:
        _refuse_spending_a_place_still_needed(section, actor_id, on_behalf_of, roster)
    this_time = {actor_id, request.approver_id}
    for earlier in section.current_requests():
        decision = earlier.decision
        if earlier is request or decision is None or earlier.state is not RequestState.APPROVED:
            continue
        if decision.on_behalf_of_id is None and on_behalf_of is None:
            continue  # two direct approvals by different people, or the domain's own checks apply
        if this_time & {decision.decided_by_id, earlier.approver_id}:
            raise NotPermitted(
                f"{roster.describe(actor_id)} has already approved section {section.key!r} in this round"
                + (
                    f" on behalf of {roster.describe(earlier.approver_id)}"
                    if decision.on_behalf_of_id
                    else ""
                )
                + "; one person's approval cannot fill two places"
            )


@dataclass(frozen=True)
class OpenDecision:
    """What a person may decide on a section now: the request, for whom, and whether approving it (not only
    asking for changes) would be accepted."""

    request: ApprovalRequest
    on_behalf_of: int | None
    may_approve: bool


def _refuse_spending_a_place_still_needed(
    section: Section, actor_id: int, on_behalf_of: int, roster: Roster
) -> None:
    """Their own place waits in a later step that cannot pass without them: approving for someone now would
    spend their one approval of the round, and their own step could never pass. Asking for changes for
    them spends nothing; and a step the others of it can pass is no reason to refuse."""
    if section.place_of(actor_id) not in (None, roster.by_id(actor_id).organisation):
        return  # a place of the organisation they have since left is not theirs to fill (nor to spend)
    for own in section.current_requests():
        if own.approver_id != actor_id or not own.is_open:
            continue
        in_step = [
            r
            for r in section.current_requests()
            if r.step == own.step and r.state is not RequestState.REASSIGNED
        ]
        if len(in_step) - 1 < section.approval_steps[own.step].needed(len(in_step)):
            raise NotPermitted(
                f"{roster.describe(actor_id)} approves section {section.key!r} in their own right at step "
                f"{own.step + 1}, which needs them, so cannot also approve for {roster.describe(on_behalf_of)}: "
                "one person's approval cannot fill two places (an administrator can reassign theirs)"
            )


def open_decision(
    section: Section, actor_id: int, delegations: Iterable[Delegation], roster: Roster, now: datetime
) -> OpenDecision | None:
    """The decision `decide` would take from this person now, by the same rules (the author of the text,
    even through a delegation, decides nothing; one person is one approval); None when it would take none.
    Pages offer exactly this, so that no form is offered to be refused."""
    try:
        request, on_behalf_of = request_to_decide(section, actor_id, delegations, roster, now)
    except SignoffError:
        return None
    if section.current_revision is None or section.written_by(actor_id, on_behalf_of) is not None:
        return None
    try:
        refuse_a_second_place(section, request, actor_id, on_behalf_of, roster)
    except NotPermitted:
        return OpenDecision(request, on_behalf_of, may_approve=False)
    return OpenDecision(request, on_behalf_of, may_approve=True)
