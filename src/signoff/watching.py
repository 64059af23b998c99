"""The publications watcher's part of the composition root: its configuration, reader and unit of work."""

from __future__ import annotations

from typing import cast

from signoff.adapters.config_files import load_model
from signoff.adapters.publications.http_fetcher import HttpFetcher
from signoff.adapters.publications.names import OrganisationNames
from signoff.adapters.publications.reader import FetchingReader
from signoff.bootstrap import Application
from signoff.domain.directory import OrganisationKind
from signoff.domain.watch import WatchConfig
from signoff.service.handlers.watch_publications import WatchDependencies
from signoff.service.ports import ProposalUnitOfWork, PublicationReader


def watch_dependencies(app: Application) -> WatchDependencies:
    def load_config() -> WatchConfig:
        return load_model(app.settings.watch_file, WatchConfig)

    def new_reader(config: WatchConfig) -> PublicationReader:
        names = OrganisationNames.of(app.load_directory_config())
        return FetchingReader(
            HttpFetcher(config.timeout_seconds, config.max_bytes), names, config.listing_pages
        )

    def force_keys() -> frozenset[str]:
        directory = app.load_directory_config()
        return frozenset(org.key for org in directory.organisations if org.kind is OrganisationKind.FORCE)

    return WatchDependencies(
        deps=app.deps,
        # The SQL unit of work has the proposals; Dependencies types it as the plain UnitOfWork.
        new_unit_of_work=lambda: cast(ProposalUnitOfWork, app.deps.new_unit_of_work()),
        load_config=load_config,
        new_reader=new_reader,
        force_keys=force_keys,
    )
