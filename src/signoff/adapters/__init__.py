"""Adapters: the database, configuration files and, later, mail and documents."""
