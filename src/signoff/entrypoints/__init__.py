"""Entry points: the CLI now; the web app and JSON API later."""
