"""The web app: server-rendered pages for people, a JSON API for programs, both over the service layer."""
