"""The composition root: settings, engine, clock, calendar and handlers' dependencies. Nothing runs at import.

What a command may not use (the SMTP client, the email and document renderers' Jinja, the publication
layout's model, the Markdown parser, the bank holidays) is imported when first used: a command loads only
what it uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from signoff.adapters.config_files import load_model
from signoff.adapters.database import create_database_engine
from signoff.adapters.documents.publication_store import FolderPublicationStore
from signoff.adapters.documents.rendering import DocumentRenderer
from signoff.adapters.orm import map_domain
from signoff.adapters.pipeline_files import load_pipelines as load_pipelines_from
from signoff.adapters.unit_of_work import SqlUnitOfWork
from signoff.domain.deadlines import england_and_wales
from signoff.domain.directory import DirectoryConfig
from signoff.domain.errors import MailServerUnavailable
from signoff.domain.notifications import Attachment, Links, NoticeEvent, NotificationRules
from signoff.domain.pipeline import Pipeline, PipelineChoice
from signoff.service.clock import Clock, FixedClock, SystemClock
from signoff.service.dependencies import Dependencies
from signoff.service.notify import queue_notices_for_new_events
from signoff.settings import Settings, load_settings

if TYPE_CHECKING:
    from signoff.adapters.email_rendering import JinjaEmailRenderer
    from signoff.adapters.smtp_mailer import SmtpMailer
    from signoff.domain.document import PublicationConfig


@dataclass(frozen=True)
class Application:
    settings: Settings
    engine: Engine
    deps: Dependencies

    def mailer(self) -> SmtpMailer:
        """The SMTP mailer, or MailServerUnavailable when no server is configured."""
        s = self.settings
        if not s.smtp_host:
            raise MailServerUnavailable(
                "no SMTP server is configured: set SIGNOFF_SMTP_HOST and SIGNOFF_SMTP_PORT "
                "(for a local inbox, run `signoff mailsink` and point them at it)"
            )
        # Imported here: only the commands and services that send mail need the SMTP client.
        from signoff.adapters.smtp_mailer import SmtpMailer, SmtpSettings

        return SmtpMailer(
            SmtpSettings(
                host=s.smtp_host,
                port=s.smtp_port,
                username=s.smtp_username,
                password=s.smtp_password.get_secret_value() if s.smtp_password else None,
                starttls=s.smtp_starttls,
                tls=s.smtp_tls,
                timeout=s.smtp_timeout,
                connections=s.smtp_connections,
            )
        )

    def load_directory_config(self) -> DirectoryConfig:
        return load_model(self.settings.directory_file, DirectoryConfig)


class EmailRendererOnFirstUse:
    """The Jinja email renderer, imported and built when the first email is rendered: a change's emails
    are queued unrendered and rendered by delivery, so most commands never render one."""

    def __init__(self, templates_dir: Path, mail_from: str) -> None:
        self._templates_dir = templates_dir
        self._mail_from = mail_from

    @cached_property
    def _renderer(self) -> JinjaEmailRenderer:
        from signoff.adapters.email_rendering import JinjaEmailRenderer, template_environment

        return JinjaEmailRenderer(template_environment(self._templates_dir), self._mail_from)

    def render(
        self,
        event: NoticeEvent,
        context: dict[str, Any],
        *,
        to: str,
        key: str,
        now: datetime,
        attachments: Sequence[Attachment] = (),
    ) -> bytes:
        return self._renderer.render(event, context, to=to, key=key, now=now, attachments=attachments)


def bootstrap(settings: Settings | None = None, clock: Clock | None = None) -> Application:
    settings = settings or load_settings()
    map_domain()
    engine = create_database_engine(settings.database_url)
    session_factory = sessionmaker(engine, expire_on_commit=False)
    if clock is None:
        clock = FixedClock(settings.frozen_time) if settings.frozen_time else SystemClock()

    @cache
    def load_pipelines() -> PipelineChoice:
        return load_pipelines_from(settings.pipeline_file)

    def load_pipeline() -> Pipeline:
        return load_pipelines().default

    @cache
    def load_notification_rules() -> NotificationRules:
        return load_model(settings.notifications_file, NotificationRules)

    @cache
    def load_publication_config() -> PublicationConfig:
        # Imported here: only publishing and its previews read the layout, and its model is large.
        from signoff.domain.document import PublicationConfig

        return load_model(settings.publication_file, PublicationConfig)

    links = Links(str(settings.base_url))
    now = clock.now

    renderer = EmailRendererOnFirstUse(settings.templates_dir, settings.mail_from)

    def queue_emails(uow: SqlUnitOfWork) -> None:
        queue_notices_for_new_events(uow, load_notification_rules(), links, renderer, now())

    deps = Dependencies(
        new_unit_of_work=lambda: SqlUnitOfWork(session_factory, before_commit=queue_emails),
        clock=clock,
        calendar=england_and_wales(),
        load_pipeline=load_pipeline,
        load_notification_rules=load_notification_rules,
        links=links,
        renderer=renderer,
        documents=DocumentRenderer(settings.templates_dir, settings.config_dir),
        load_publication_config=load_publication_config,
        publications=FolderPublicationStore(settings.publication_dir),
        load_pipelines=load_pipelines,
    )
    return Application(settings=settings, engine=engine, deps=deps)
