"""Every configuration file read and checked when `signoff serve` or `signoff web` starts, and against each
other, and the database's schema against the code's: a bad file stops the start naming the file, line and key, rather than failing every sign-in, draft or
publication later. The files are read as they will be read in use (the same loaders), once here.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from signoff.adapters.database import schema_problem
from signoff.bootstrap import Application
from signoff.domain.directory import DirectoryConfig, OrganisationKind
from signoff.domain.document_layout import PublicationConfig, SectionPart
from signoff.domain.errors import InvalidInput
from signoff.service.pipelines import directory_problems, every_pipeline


def check_configuration(app: Application) -> None:
    """InvalidInput naming the first problem; nothing when every file reads and they agree."""
    settings = app.settings
    if not settings.templates_dir.is_dir():
        raise InvalidInput(f"SIGNOFF_TEMPLATES_DIR: {settings.templates_dir} is not a folder of templates")
    _writable_folder(settings.publication_dir, "SIGNOFF_PUBLISHED_DIR")
    _schema_is_current(app)
    directory = app.load_directory_config()
    # config/pipeline.yaml, and every pipeline of config/pipelines/ with it; the people, roles and offices
    # they name, the directory's (as `signoff directory load` checks them).
    if problems := directory_problems(every_pipeline(app.deps), directory):
        raise InvalidInput(
            f"{settings.pipeline_file}: names what the directory lacks: " + "; ".join(problems)
        )
    app.deps.load_notification_rules()
    _publication_agrees(
        app.deps.load_publication_config(), directory, str(settings.publication_file), _has_left(app)
    )


def _schema_is_current(app: Application) -> None:
    """The database at the revision this code's migrations reach."""
    if (problem := schema_problem(app.engine)) is not None:
        raise InvalidInput(problem)


def _writable_folder(folder: Path, setting: str) -> None:
    """A folder the service writes into: there or makeable, and writable (found at start, not at the first
    publication, the statutory moment)."""
    existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        raise InvalidInput(f"{setting}: {existing} is a file, not a folder")
    if existing is not None and not os.access(existing, os.W_OK | os.X_OK):
        raise InvalidInput(f"{setting}: {existing} cannot be written by this process")


def _has_left(app: Application) -> Callable[[str], bool]:
    """Whether an address is of someone the directory held once and who has left (inactive, kept)."""

    def left(email: str) -> bool:
        try:
            with app.deps.new_unit_of_work() as uow:
                person = uow.directory.roster().find_email(email)
        except SQLAlchemyError:
            return False  # no directory stored yet: nobody has left it
        return person is not None and not person.active

    return left


def _publication_agrees(
    config: PublicationConfig, directory: DirectoryConfig, where: str, has_left: Callable[[str], bool]
) -> None:
    """publication.yaml names offices, signatories and roles of the directory's, not ones mistyped (a key
    the directory does not hold would be ignored: its office would publish without its own house style)."""
    offices = {o.key for o in directory.organisations if o.kind is OrganisationKind.PCC}
    people = {p.email: p for p in directory.people}
    for key, office in config.offices.items():
        if key not in offices:
            raise InvalidInput(
                f"{where}: offices: {key!r} is no PCC office of the directory (its offices: "
                f"{', '.join(sorted(offices))})"
            )
        if not office.signatory:
            continue
        signatory = people.get(office.signatory.lower())
        # One who has left still signs what they approved (a correction reprints it): not a mistake.
        if signatory is None and has_left(office.signatory.lower()):
            continue
        if signatory is None or signatory.organisation != key:
            raise InvalidInput(
                f"{where}: offices: {key}: signatory: {office.signatory} is not a person of {key} in the "
                "directory"
            )
    layouts = [config.layout, *(o.layout for o in config.offices.values() if o.layout)]
    for layout in layouts:
        for part in layout:
            if not isinstance(part, SectionPart) or not (role := part.attribute_to_role):
                continue
            if role not in directory.roles:
                raise InvalidInput(
                    f"{where}: section {part.section!r}: attribute_to_role: {role!r} is no role of the "
                    f"directory (its roles: {', '.join(sorted(directory.roles))})"
                )
