"""The stored directory follows config/directory.yaml; a leaver is signed out everywhere."""

from __future__ import annotations

from datetime import timedelta

from signoff.domain.errors import InvalidInput
from signoff.service.handlers.load_directory import load_directory
from signoff.service.handlers.web_sessions import SessionPolicy, open_session, resume_session
from tests.people import DANIEL, OWEN
from tests.support.app import InMemoryApp, directory_config, pipeline

POLICY = SessionPolicy(idle=timedelta(hours=1), lifetime=timedelta(hours=12))


def test_loading_twice_changes_nothing_and_a_leaver_is_deactivated_and_signed_out(
    memory: InMemoryApp,
) -> None:
    config = directory_config()
    again = load_directory(config, pipeline(), memory.deps)
    assert (again.added, again.updated, again.deactivated) == (0, 0, 0)

    with memory.unit_of_work() as uow:
        session_id = open_session(uow, uow.directory.person(DANIEL).id, memory.clock.now(), POLICY)
        uow.commit()
    without_daniel = config.model_copy(update={"people": [p for p in config.people if p.email != DANIEL]})
    loaded = load_directory(without_daniel, pipeline(), memory.deps)
    assert (loaded.deactivated, loaded.sessions_ended) == (1, 1)
    assert resume_session(session_id, memory.deps, POLICY) is None


def test_a_directory_lacking_whom_the_pipeline_names_is_refused(memory: InMemoryApp) -> None:
    config = directory_config()
    no_chief_executives = config.model_copy(
        update={"roles": {k: v for k, v in config.roles.items() if k != "chief_executive"}}
    )
    memory.refused(
        lambda: load_directory(no_chief_executives, pipeline(), memory.deps),
        InvalidInput,
        "the pipeline names what the directory lacks",
        "unknown role 'chief_executive'",
    )
    with memory.unit_of_work() as uow:
        assert uow.directory.person(OWEN).active
