"""Adapters: the service layer's ports made real. The database (SQLAlchemy mapping, repositories, the unit
of work), the configuration files, the outbox's SMTP delivery and the local mail sink, email rendering
(Jinja), and the published documents (documents/)."""
