"""A report is known by its address: two reports of one day whose titles share a long beginning both
start; the same address twice is refused naming the sign-off that has it (issue #15)."""

from __future__ import annotations

from datetime import date

import pytest
from alembic import command
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from signoff.adapters.database import alembic_config
from signoff.adapters.orm import signoffs
from signoff.bootstrap import Application
from signoff.domain.errors import InvalidInput
from signoff.domain.inspection import Inspection, normalised_address
from signoff.service.commands import StartSignoff, WithdrawSignoff
from signoff.service.handlers.administer import withdraw_signoff
from signoff.service.handlers.start_signoff import start_signoff
from signoff.service.queries.audit_verify import verify_audit
from tests.people import HANNAH, OWEN
from tests.support.story import reference_inspection

pytestmark = pytest.mark.both_databases

SHARED = (
    "Fictional example: An inspection of how well the police and other agencies safeguard children at risk "
    "of exploitation, "
)


def report(title: str, url: str, published: date | None = None) -> Inspection:
    changes: dict[str, object] = {"title": title, "report_url": url}
    if published is not None:
        changes["published"] = published
    return Inspection.model_validate({**reference_inspection().model_dump(mode="json"), **changes})


def start(inspection: Inspection, app: Application) -> int:
    [signoff_id] = start_signoff(StartSignoff(inspection=inspection, started_by=OWEN), app.deps)
    return signoff_id


def test_two_reports_of_one_day_whose_titles_share_their_first_80_characters_both_start(
    app: Application,
) -> None:
    assert len(SHARED) > 80
    first = report(SHARED + "in Cheshire", "https://hmicfrs.example.org/reports/exploitation-cheshire")
    second = report(SHARED + "in Cumbria", "https://hmicfrs.example.org/reports/exploitation-cumbria")
    assert first.title[:80] == second.title[:80]
    assert start(first, app) != start(second, app)


@pytest.mark.parametrize(
    "again",
    [
        "https://hmicfrs.example.org/reports/one",
        "HTTPS://HMICFRS.Example.ORG/reports/one/",  # scheme and host in capitals, a trailing slash
        "https://hmicfrs.example.org/reports/one#recommendations",  # a fragment
    ],
)
def test_the_same_address_twice_is_refused_naming_the_sign_off_that_has_it(
    app: Application, again: str
) -> None:
    existing = start(report("A report", "https://hmicfrs.example.org/reports/one"), app)
    with pytest.raises(InvalidInput) as refused:
        start(report("A report", again), app)
    assert f"already has sign-off #{existing}" in refused.value.message
    with app.deps.new_unit_of_work() as uow:
        assert [s.id for s in uow.signoffs.page()] == [existing]


def test_a_path_or_query_that_differs_is_another_report(app: Application) -> None:
    start(report("A report", "https://hmicfrs.example.org/reports/one"), app)
    start(report("A report", "https://hmicfrs.example.org/reports/One"), app)  # paths are case-sensitive
    start(report("A report", "https://hmicfrs.example.org/reports/one?part=2"), app)


def test_two_reports_at_one_address_are_told_apart_by_date_and_full_title(app: Application) -> None:
    """None should share an address; where a generic page is given for two, each starts once."""
    landing = "https://hmicfrs.example.org/publications"
    start(report("The first report", landing, date(2023, 11, 10)), app)
    other = report("Another report altogether", landing, date(2023, 11, 9))
    second = start(other, app)
    with pytest.raises(InvalidInput, match=f"#{second}"):
        start(other, app)
    # The same address and the same day is the same report, whatever its title now says.
    with pytest.raises(InvalidInput, match="already has sign-off"):
        start(report("The first report, retitled", landing, date(2023, 11, 10)), app)


def test_addresses_are_compared_with_scheme_and_host_in_lower_case_and_no_fragment_or_trailing_slash() -> (
    None
):
    assert normalised_address("HTTPS://Example.ORG/A/b/#x") == "https://example.org/A/b"
    assert normalised_address("https://example.org/") == "https://example.org"
    assert normalised_address("https://example.org/a?b=C") == "https://example.org/a?b=C"


def test_migration_0008_keeps_each_audit_chain_valid_across_a_downgrade_and_upgrade(
    app: Application, database_url: str
) -> None:
    signoff_id = start(reference_inspection(), app)
    config = alembic_config(database_url)
    command.downgrade(config, "0007")
    command.upgrade(config, "head")
    assert verify_audit(signoff_id, app.deps).intact
    with pytest.raises(InvalidInput, match=f"#{signoff_id}"):
        start(reference_inspection(), app)


def test_migration_0008_recomputes_a_title_prefix_key_from_the_stored_address(
    app: Application, database_url: str
) -> None:
    start(reference_inspection(), app)
    config = alembic_config(database_url)
    command.downgrade(config, "0007")
    legacy = "2023-11-10:hmicfrs-inspection-of-the-north-west-regional-response-to-serious-and-organised"
    with app.engine.begin() as connection:
        connection.execute(update(signoffs).values(inspection_key=legacy))
    command.upgrade(config, "head")
    with app.engine.connect() as connection:
        row = connection.execute(select(signoffs.c.inspection_key, signoffs.c.audit_identity)).one()
    assert row.inspection_key == reference_inspection().identity()
    # The chain began from the old key: verification keeps starting from it.
    assert row.audit_identity == f"cheshire-pcc:{legacy}"


def withdraw(signoff_id: int, app: Application) -> None:
    command = WithdrawSignoff(signoff_id=signoff_id, reason="Started with the wrong findings", admin=HANNAH)
    withdraw_signoff(command, app.deps)


def test_a_withdrawn_report_starts_again_and_the_database_keeps_one_live_sign_off_per_office(
    app: Application,
) -> None:
    withdrawn = start(reference_inspection(), app)
    withdraw(withdrawn, app)
    again = start(reference_inspection(), app)
    assert verify_audit(withdrawn, app.deps).intact
    assert verify_audit(again, app.deps).intact
    with pytest.raises(InvalidInput, match=f"already has sign-off #{again}"):
        start(reference_inspection(), app)
    # Whatever a handler checks, the database holds one live sign-off per office and report.
    with pytest.raises(IntegrityError), app.engine.begin() as connection:
        connection.execute(update(signoffs).where(signoffs.c.id == withdrawn).values(state="active"))


def test_migration_0015_lets_a_report_withdrawn_before_it_start_again(
    app: Application, database_url: str
) -> None:
    config = alembic_config(database_url)
    command.downgrade(config, "0014")
    withdrawn = start(reference_inspection(), app)
    withdraw(withdrawn, app)
    command.upgrade(config, "head")
    again = start(reference_inspection(), app)
    # Back down, the one-sign-off-ever constraint cannot hold both: the downgrade stops, nothing changed.
    with pytest.raises(IntegrityError):
        command.downgrade(config, "0014")
    with app.engine.connect() as connection:
        states = dict(connection.execute(select(signoffs.c.id, signoffs.c.state)).all())
    assert states == {withdrawn: "withdrawn", again: "active"}


def test_a_report_sharing_an_address_is_not_started_twice_after_the_first_is_withdrawn(
    app: Application,
) -> None:
    """The second report at a shared address is live under its title's key: withdrawing the first frees
    the address, not the second report."""
    landing = "https://hmicfrs.example.org/publications"
    first = start(report("The first report", landing, date(2023, 11, 10)), app)
    other = report("Another report altogether", landing, date(2023, 11, 9))
    second = start(other, app)
    withdraw(first, app)
    with pytest.raises(InvalidInput, match=f"already has sign-off #{second}"):
        start(other, app)
