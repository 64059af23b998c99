"""Entry points: the `signoff` command line (cli/), the web app and its JSON API (web/), and what the
long-running processes share (the mail relay, settling in after start-up)."""
