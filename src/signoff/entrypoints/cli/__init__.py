"""The `signoff` command line."""
