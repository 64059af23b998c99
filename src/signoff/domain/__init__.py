"""The pure domain: no database, no clock, no I/O. Every function that needs the time takes `now`."""
