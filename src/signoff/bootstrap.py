"""The composition root: settings, engine, clock, calendar and handlers' dependencies. Nothing runs at import."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from signoff.adapters.config_files import load_model
from signoff.adapters.database import create_database_engine
from signoff.adapters.orm import map_domain
from signoff.adapters.unit_of_work import SqlUnitOfWork
from signoff.domain.deadlines import england_and_wales
from signoff.domain.directory import DirectoryConfig
from signoff.domain.pipeline import Pipeline
from signoff.service.clock import Clock, FixedClock, SystemClock
from signoff.service.dependencies import Dependencies
from signoff.settings import Settings, load_settings


@dataclass(frozen=True)
class Application:
    settings: Settings
    engine: Engine
    deps: Dependencies

    def load_directory_config(self) -> DirectoryConfig:
        return load_model(self.settings.directory_file, DirectoryConfig)


def bootstrap(settings: Settings | None = None, clock: Clock | None = None) -> Application:
    settings = settings or load_settings()
    map_domain()
    engine = create_database_engine(settings.database_url)
    session_factory = sessionmaker(engine, expire_on_commit=False)
    if clock is None:
        clock = FixedClock(settings.frozen_time) if settings.frozen_time else SystemClock()

    @cache
    def load_pipeline() -> Pipeline:
        return load_model(settings.pipeline_file, Pipeline)

    deps = Dependencies(
        new_unit_of_work=lambda: SqlUnitOfWork(session_factory),
        clock=clock,
        calendar=england_and_wales(),
        load_pipeline=load_pipeline,
    )
    return Application(settings=settings, engine=engine, deps=deps)
