"""The access table, whole: every (role, action, scope) row, the README's drawing of it, and what each
scope means for people of the office, of its force, and of another office."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from signoff.domain.access import (
    ACCESS_TABLE,
    ANYONE,
    Action,
    Scope,
    Target,
    allowed,
    check_delegation,
    stands_in_for,
)
from signoff.domain.directory import Participant, Roster
from signoff.domain.errors import NotPermitted
from signoff.settings import PROJECT_ROOT

A, S = Action, Scope
OFFICE_ACTIONS = (A.REASSIGN, A.EXTEND, A.REMIND, A.WITHDRAW, A.SEE_ATTENTION, A.SEE_FIGURES)
EXPECTED = {
    ("pcc_admin", A.START_SIGNOFF, S.OWN_OFFICE),
    ("policy_officer", A.START_SIGNOFF, S.OWN_OFFICE),
    ("pcc_admin", A.HANDLE_PROPOSAL, S.OWN_OFFICE),
    ("policy_officer", A.HANDLE_PROPOSAL, S.OWN_OFFICE),
    (ANYONE, A.READ_SIGNOFF, S.OWN_OFFICE),
    (ANYONE, A.READ_SECTION, S.OWN_OFFICE),
    (ANYONE, A.READ_SECTION, S.OWN_FORCE_SECTIONS),
    (ANYONE, A.READ_SECTION, S.NAMED),
    (ANYONE, A.DRAFT_SECTION, S.DRAFTER),
    (ANYONE, A.DECIDE_SECTION, S.APPROVER),
    (ANYONE, A.DELEGATE_OWN, S.SELF),
    ("pcc_admin", A.DELEGATE_FOR_OTHERS, S.OWN_OFFICE_PEOPLE),
    ("pcc_admin", A.REASSIGN, S.OWN_OFFICE),
    ("pcc_admin", A.EXTEND, S.OWN_OFFICE),
    ("pcc_admin", A.REMIND, S.OWN_OFFICE),
    ("pcc_admin", A.WITHDRAW, S.OWN_OFFICE),
    ("pcc_admin", A.SEE_ATTENTION, S.OWN_OFFICE),
    ("pcc_admin", A.PUBLISH, S.OWN_OFFICE),
    ("policy_officer", A.PUBLISH, S.OWN_OFFICE),
    ("chief_executive", A.PUBLISH, S.OWN_OFFICE),
    ("commissioner", A.PUBLISH, S.OWN_OFFICE),
    (ANYONE, A.READ_PUBLISHED_FILES, S.OWN_OFFICE_AND_FORCE),
    ("pcc_admin", A.SEE_FIGURES, S.OWN_OFFICE),
    ("pcc_admin", A.SEE_FAILED_EMAILS, S.OWN_OFFICE),
    ("pcc_admin", A.RETRY_EMAIL, S.OWN_OFFICE),
    ("pcc_admin", A.SEE_PEOPLE, S.OWN_OFFICE_PEOPLE),
    ("pcc_admin", A.END_SESSIONS, S.OWN_OFFICE_PEOPLE),
}

ROSTER = Roster(
    (
        Participant(1, "admin@a-pcc.example.org", "Ann Admin", "a-pcc", frozenset({"pcc_admin"})),
        Participant(2, "officer@a-pcc.example.org", "Oli Officer", "a-pcc", frozenset({"policy_officer"})),
        Participant(3, "lead@a-force.example.org", "Lee Lead", "a-force", frozenset({"strategic_lead"})),
        Participant(4, "admin@b-pcc.example.org", "Bea Admin", "b-pcc", frozenset({"pcc_admin"})),
        Participant(5, "lead@b-force.example.org", "Bo Lead", "b-force", frozenset({"strategic_lead"})),
        Participant(6, "gone@a-pcc.example.org", "Gus Gone", "a-pcc", frozenset({"pcc_admin"}), active=False),
        Participant(7, "viewer@a-pcc.example.org", "Vi Viewer", "a-pcc", frozenset({"viewer"})),
    ),
    organisation_names={"a-pcc": "Office A", "a-force": "Force A", "b-pcc": "Office B", "b-force": "Force B"},
    office_forces={"a-pcc": "a-force", "b-pcc": "b-force"},
)
ADMIN_A, OFFICER_A, LEAD_A, ADMIN_B, LEAD_B, GONE_A, VIEWER_A = (ROSTER.by_id(i) for i in range(1, 8))
SIGNOFF_A = Target(office="a-pcc", force="a-force")
NOW = datetime(2023, 11, 10, 9, 30, tzinfo=ZoneInfo("Europe/London"))


def test_the_access_table_is_exactly_this() -> None:
    rows = [(g.role, g.action, g.scope) for g in ACCESS_TABLE]
    assert len(rows) == len(set(rows)), "a grant is listed twice"
    assert set(rows) == EXPECTED


def readme_table() -> str:
    lines = ["| action | who | scope |", "| --- | --- | --- |"]
    for action in Action:
        grants = [g for g in ACCESS_TABLE if g.action is action]
        for scope in dict.fromkeys(g.scope for g in grants):
            roles = sorted(g.role for g in grants if g.scope is scope)
            who = "anyone signed in" if roles == [ANYONE] else ", ".join(f"`{r}`" for r in roles)
            lines.append(f"| {action.value} | {who} | {scope.value} |")
    return "\n".join(lines)


def test_the_readme_draws_the_access_table_as_it_is() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert readme_table() in readme, "README's access table is out of date; paste:\n" + readme_table()


@pytest.mark.parametrize("action", OFFICE_ACTIONS)
def test_an_administrator_acts_on_their_own_office_only(action: Action) -> None:
    assert allowed(ADMIN_A, action, SIGNOFF_A, ROSTER)
    assert not allowed(ADMIN_B, action, SIGNOFF_A, ROSTER)
    assert not allowed(OFFICER_A, action, SIGNOFF_A, ROSTER)
    assert not allowed(LEAD_A, action, SIGNOFF_A, ROSTER)
    assert not allowed(GONE_A, action, SIGNOFF_A, ROSTER)


def test_reading_a_signoff_whole_is_for_its_office_and_its_force_reads_its_own_sections() -> None:
    assert allowed(VIEWER_A, A.READ_SIGNOFF, SIGNOFF_A, ROSTER)
    assert not allowed(LEAD_A, A.READ_SIGNOFF, SIGNOFF_A, ROSTER)
    force_section = Target(office="a-pcc", force="a-force", named=frozenset({3}), force_takes_part=True)
    office_section = Target(office="a-pcc", force="a-force", named=frozenset({2}))
    assert allowed(LEAD_A, A.READ_SECTION, force_section, ROSTER)
    assert not allowed(LEAD_A, A.READ_SECTION, office_section, ROSTER)
    assert not allowed(ADMIN_B, A.READ_SECTION, force_section, ROSTER)
    assert not allowed(LEAD_B, A.READ_SECTION, force_section, ROSTER)


def test_a_named_person_reads_and_decides_their_section_and_a_delegate_for_them() -> None:
    section = Target(office="a-pcc", force="a-force", named=frozenset({3}))
    assert allowed(LEAD_A, A.DECIDE_SECTION, section, ROSTER)
    assert allowed(LEAD_A, A.DRAFT_SECTION, section, ROSTER)
    assert not allowed(OFFICER_A, A.DECIDE_SECTION, section, ROSTER)
    assert allowed(OFFICER_A, A.DECIDE_SECTION, section, ROSTER, acting_for={3})


@pytest.mark.parametrize("action", [A.READ_SECTION, A.DRAFT_SECTION, A.DECIDE_SECTION])
def test_someone_named_who_is_no_longer_of_the_office_or_its_force_takes_no_part(action: Action) -> None:
    # The directory moved Bo to force B after office A's section named him: the name alone gives nothing.
    section = Target(office="a-pcc", force="a-force", named=frozenset({5}))
    assert not allowed(LEAD_B, action, section, ROSTER)
    assert not allowed(LEAD_B, action, section, ROSTER, acting_for={3})


def test_people_an_administrator_sees_are_their_office_and_its_force() -> None:
    seen = {p.id for p in ROSTER.participants if allowed(ADMIN_A, A.SEE_PEOPLE, Target(person=p), ROSTER)}
    assert seen == {1, 2, 3, 6, 7}
    seen_by_b = {
        p.id for p in ROSTER.participants if allowed(ADMIN_B, A.SEE_PEOPLE, Target(person=p), ROSTER)
    }
    assert seen_by_b == {4, 5}


def test_starting_needs_a_starter_of_a_pcc_office() -> None:
    assert allowed(OFFICER_A, A.START_SIGNOFF, Target.office_of(OFFICER_A, ROSTER), ROSTER)
    assert not allowed(VIEWER_A, A.START_SIGNOFF, Target.office_of(VIEWER_A, ROSTER), ROSTER)
    # A force's person holding an office role by mistake still starts nothing: a force is no office.
    misconfigured = Participant(9, "x@a-force.example.org", "X", "a-force", frozenset({"policy_officer"}))
    assert not allowed(misconfigured, A.START_SIGNOFF, Target.office_of(misconfigured, ROSTER), ROSTER)


def test_delegations_stay_within_an_organisation_and_an_office() -> None:
    # the office's admin, for its officer
    assert check_delegation(ADMIN_A, OFFICER_A, VIEWER_A, VIEWER_A.email, ROSTER) is VIEWER_A
    with pytest.raises(NotPermitted, match="only to an active person of") as elsewhere:
        check_delegation(OFFICER_A, OFFICER_A, ADMIN_B, ADMIN_B.email, ROSTER)
    # Someone of another organisation, and an address of nobody, are refused alike: nothing is learnt.
    with pytest.raises(NotPermitted) as nobody:
        check_delegation(OFFICER_A, OFFICER_A, None, ADMIN_B.email, ROSTER)
    assert elsewhere.value.message == nobody.value.message
    assert "b-" not in nobody.value.message.replace(ADMIN_B.email, "")  # B's organisation is not named
    with pytest.raises(NotPermitted, match="may not delegate someone else's approvals"):
        check_delegation(ADMIN_B, OFFICER_A, ADMIN_A, ADMIN_A.email, ROSTER)
    with pytest.raises(NotPermitted, match="may not delegate someone else's approvals"):
        check_delegation(OFFICER_A, VIEWER_A, OFFICER_A, OFFICER_A.email, ROSTER)


class _Delegation:
    def __init__(self, from_id: int, to_id: int, days: int) -> None:
        self.from_person_id, self.to_person_id = from_id, to_id
        self.starts_at, self.ends_at = NOW - timedelta(days=1), NOW + timedelta(days=days)

    def active_at(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at


@given(
    st.lists(
        st.tuples(st.integers(1, 7), st.integers(1, 7), st.integers(-3, 3)),
        max_size=12,
    ),
    st.integers(1, 7),
)
def test_whoever_one_stands_in_for_is_active_of_the_same_organisation(
    made: list[tuple[int, int, int]], person_id: int
) -> None:
    person = ROSTER.by_id(person_id)
    found = stands_in_for(person, [_Delegation(*d) for d in made], ROSTER, NOW)
    for delegator in found:
        other = ROSTER.by_id(delegator)
        assert other.organisation == person.organisation
        assert other.active
        assert any(f == delegator and t == person_id and days > 0 for f, t, days in made)
