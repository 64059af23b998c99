"""Helpers the test modules share: fakes, the in-memory application, the reference story, the web client."""
