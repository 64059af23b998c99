"""Read-only queries: they open a unit of work, read, and never commit."""
