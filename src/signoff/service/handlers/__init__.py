"""One module per use case. Each opens a unit of work, calls the domain with `now`, and commits."""
