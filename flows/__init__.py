"""Prefect flows: thin steps over the service layer. The database holds the state; a flow reads it, does
the next thing, commits and ends, so any run may be repeated, and a lost one is made good by the sweep."""
