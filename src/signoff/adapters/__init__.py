"""Adapters: the service layer's ports made real. The database (SQLAlchemy mapping, repositories, the unit
of work), the configuration files, the outbox's SMTP delivery and the local mail sink, email rendering
(Jinja), and the published documents (documents/)."""

# The watcher's tables join the schema's one MetaData whenever the schema is loaded (adapters/orm.py), so
# that migrations, the tests' cleanup and `compare_metadata` see every table, whichever module asked first.
from signoff.adapters import proposal_tables as _proposal_tables  # noqa: F401
