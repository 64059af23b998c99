"""The service layer: one handler per use case, each inside one unit of work, time from a Clock."""
