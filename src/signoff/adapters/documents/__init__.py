"""The published response: safe Markdown, the Jinja documents, PDF by WeasyPrint, the publication folder."""
