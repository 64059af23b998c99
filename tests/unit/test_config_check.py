"""`signoff serve` and `signoff web` check every configuration file at start, and that they agree: a bad
one stops the start naming it, instead of failing each sign-in, draft or publication later."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic import command

from signoff.adapters.database import alembic_config, upgrade_to_head
from signoff.adapters.documents.publication_store import FolderPublicationStore
from signoff.bootstrap import bootstrap
from signoff.config_check import check_configuration
from signoff.domain.errors import InvalidInput
from signoff.service.handlers.load_directory import load_directory
from signoff.settings import PROJECT_ROOT, Settings


def _checked(tmp_path: Path, change: Callable[[Path], None]) -> None:
    config = tmp_path / "config"
    shutil.copytree(PROJECT_ROOT / "config", config)
    change(config)
    app = bootstrap(
        Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}", config_dir=config, var_dir=tmp_path)
    )
    upgrade_to_head(app.settings.database_url)
    try:
        check_configuration(app)
    finally:
        app.engine.dispose()


def _replace(name: str, old: str, new: str) -> Callable[[Path], None]:
    def change(config: Path) -> None:
        path = config / name
        text = path.read_text(encoding="utf-8")
        assert old in text, old
        path.write_text(text.replace(old, new), encoding="utf-8")

    return change


def test_the_shipped_configuration_passes(tmp_path: Path) -> None:
    _checked(tmp_path, lambda _config: None)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (_replace("publication.yaml", "  cumbria-pcc:", "  cumbria-pc:"), "'cumbria-pc' is no PCC office"),
        (
            _replace("publication.yaml", "signatory: john.dwyer@", "signatory: jon.dwyer@"),
            "signatory: jon.dwyer@cheshire-pcc.example.org is not a person of cheshire-pcc",
        ),
        (
            _replace(
                "publication.yaml", "attribute_to_role: chief_constable", "attribute_to_role: chief_constible"
            ),
            "attribute_to_role: 'chief_constible' is no role",
        ),
        (_replace("notifications.yaml", "batch_size:", "batch_sized:"), "notifications.yaml"),
        (_replace("pipelines/thematic.yaml", "title: The force's action", "title:"), "thematic.yaml"),
        (
            _replace(
                "pipeline.yaml",
                "  greater-manchester-mayor:\n    stages:",
                "  manchester-mayor:\n    stages:",
            ),
            "pipeline.yaml: names what the directory lacks: office_titles: 'manchester-mayor' is not a PCC office",
        ),
        (
            _replace("pipelines/thematic.yaml", "role: commissioner, of: pcc", "role: comissioner, of: pcc"),
            "unknown role 'comissioner'",
        ),
    ],
    ids=["office key", "signatory", "role", "notifications", "a pipeline", "office titles", "pipeline role"],
)
def test_a_bad_file_stops_the_start_naming_it(
    tmp_path: Path, change: Callable[[Path], None], named: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        _checked(tmp_path, change)
    assert named in refused.value.message


def test_a_missing_templates_folder_stops_the_start(tmp_path: Path) -> None:
    app = bootstrap(
        Settings(
            database_url=f"sqlite:///{tmp_path / 'x.db'}",
            templates_dir=tmp_path / "nowhere",
            var_dir=tmp_path,
        )
    )
    with pytest.raises(InvalidInput, match="SIGNOFF_TEMPLATES_DIR"):
        check_configuration(app)
    app.engine.dispose()


def test_a_published_folder_that_is_a_file_stops_the_start_and_is_refused_at_publishing(
    tmp_path: Path,
) -> None:
    """Not found only when the office presses Publish, as a traceback or a 500."""
    not_a_folder = tmp_path / "published"
    not_a_folder.write_text("a file", encoding="utf-8")
    app = bootstrap(
        Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}", published_dir=not_a_folder, var_dir=tmp_path)
    )
    with pytest.raises(InvalidInput, match=f"SIGNOFF_PUBLISHED_DIR: {not_a_folder} is a file"):
        check_configuration(app)
    app.engine.dispose()
    with pytest.raises(InvalidInput, match="SIGNOFF_PUBLISHED_DIR: the published responses' folder"):
        FolderPublicationStore(not_a_folder / "deeper").write("v1", [], {})


def test_a_signatory_who_has_left_the_directory_does_not_stop_the_start(tmp_path: Path) -> None:
    """Retired, the commissioner still signs the comments they approved (a correction reprints them): their
    office's entry is no mistake, and one office's retirement does not stop the service for every office."""
    config = tmp_path / "config"
    shutil.copytree(PROJECT_ROOT / "config", config)
    app = bootstrap(
        Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}", config_dir=config, var_dir=tmp_path)
    )
    upgrade_to_head(app.settings.database_url)
    load_directory(app.load_directory_config(), app.deps.load_pipeline(), app.deps)
    directory = (config / "directory.yaml").read_text(encoding="utf-8")
    start = directory.index("  - name: John Dwyer")
    end = directory.index("  - name:", start + 1)
    (config / "directory.yaml").write_text(directory[:start] + directory[end:], encoding="utf-8")
    retired = bootstrap(app.settings)
    load_directory(retired.load_directory_config(), retired.deps.load_pipeline(), retired.deps)
    check_configuration(retired)
    for each in (app, retired):
        each.engine.dispose()


def test_a_database_not_at_this_codes_revision_stops_the_start(tmp_path: Path) -> None:
    """Never migrated, or migrated to an older revision: named, with what to run."""
    app = bootstrap(Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}", var_dir=tmp_path))
    with pytest.raises(InvalidInput, match="no signoff tables: run `signoff db upgrade` first"):
        check_configuration(app)
    command.upgrade(alembic_config(app.settings.database_url), "0014")
    with pytest.raises(InvalidInput, match="the database is at revision 0014 and this signoff's is 0015"):
        check_configuration(app)
    app.engine.dispose()
