"""Logging for a signoff process: standard `logging`, configured once by the entry point that starts the
process (the `signoff` command), never on import.

Every line goes to standard error in the format SIGNOFF_LOG_FORMAT names: `text`, key=value pairs a person
or grep reads; `json`, one object a line, for a log store. A line made while a handler acts on a sign-off
carries its id (`signoff_id`), whichever logger made it (see service/log_context.py).
Secrets never reach a line: the log record factory redacts sign-in tokens and session cookies from every
record (see entrypoints/web/log_redaction.py), and each formatted line is redacted once more, for any
field a library added to its record.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from signoff.entrypoints.web.log_redaction import install_log_redaction, redact
from signoff.service.log_context import current_signoff_id
from signoff.settings import LogSettings

# Our own loggers, at SIGNOFF_LOG_LEVEL. Other libraries' (aiosmtpd's line per connection, httpx's per
# request, alembic's) log warnings and worse: their INFO would drown ours. Prefect sets its own loggers'
# level from PREFECT_LOGGING_LEVEL.
OUR_LOGGERS = ("signoff", "flows")

# What every LogRecord has: the rest of a record's attributes are fields a caller passed in `extra`
# (Prefect's run logger adds the flow run's name, say), written beside the message.
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "taskName",
    # uvicorn's copy of the message with terminal colour codes: the message itself is written already.
    "color_message",
    "signoff_id",
}


class SignoffIdFilter(logging.Filter):
    """Puts the sign-off being acted on (or None) on each record, unless the caller named one itself."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "signoff_id", None) is None:
            record.signoff_id = current_signoff_id()
        return True


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    """The record as ordered fields: when, how severe, where from, which sign-off, what, and extras."""
    fields: dict[str, Any] = {
        "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
        "level": record.levelname,
        "logger": record.name,
    }
    signoff_id = getattr(record, "signoff_id", None)
    if signoff_id is not None:
        fields["signoff_id"] = signoff_id
    fields["message"] = record.getMessage()
    fields.update((key, value) for key, value in record.__dict__.items() if key not in _STANDARD)
    return fields


class KeyValueFormatter(logging.Formatter):
    """`time=... level=INFO logger=... signoff_id=3 message="..."`: a value with a space, a quote or an
    equals sign is quoted as a JSON string. A traceback follows on the lines after, as people read it."""

    def format(self, record: logging.LogRecord) -> str:
        line = " ".join(f"{key}={_value(value)}" for key, value in _fields(record).items())
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line += "\n" + record.exc_text
        if record.stack_info:
            line += "\n" + self.formatStack(record.stack_info)
        return redact(line)


def _value(value: object) -> str:
    text = json.dumps(value) if value is None or isinstance(value, bool | int | float) else str(value)
    if text and not any(c.isspace() or c in '"=\\' for c in text):
        return text
    return json.dumps(text, ensure_ascii=False)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: the fields of the text format, a traceback as `exception`."""

    def format(self, record: logging.LogRecord) -> str:
        fields = _fields(record)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            fields["exception"] = record.exc_text
        if record.stack_info:
            fields["stack"] = self.formatStack(record.stack_info)
        return redact(json.dumps(fields, default=str, ensure_ascii=False))


# Public, not _-prefixed: Prefect, set up after us, keeps a root handler whose class name does not start
# with "_" (it takes those for its own) and would otherwise replace it with its console handler.
class SignoffLogHandler(logging.Handler):
    """Writes each line to the stream it was given, or to whatever sys.stderr is when the record comes
    (a test runner swaps it for each test; a stream kept from the first would be closed by the next)."""

    def __init__(self, stream: TextIO | None) -> None:
        super().__init__()
        self._stream = stream

    def emit(self, record: logging.LogRecord) -> None:
        try:
            stream = self._stream or sys.stderr
            stream.write(self.format(record) + "\n")
            stream.flush()
        except RecursionError:
            raise
        except Exception:
            self.handleError(record)


def configure_logging(
    settings: LogSettings, *, quiet: bool = False, stream: TextIO | None = None
) -> logging.Handler:
    """Send every record that reaches the root logger (ours at the configured level, others' warnings,
    Prefect's) to standard error (or `stream`) in the configured format.

    `quiet` is for a command that reports what it did in its own output: it logs warnings and worse
    only, unless SIGNOFF_LOG_LEVEL was set. Calling it again replaces the handler it installed; handlers
    others added (a test runner's, Prefect's) are left alone.
    """
    install_log_redaction()
    root = logging.getLogger()
    for installed in [h for h in root.handlers if isinstance(h, SignoffLogHandler)]:
        root.removeHandler(installed)
    handler = SignoffLogHandler(stream)
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else KeyValueFormatter())
    handler.addFilter(SignoffIdFilter())
    root.addHandler(handler)
    level = logging.getLevelNamesMapping()[settings.log_level]
    if quiet and "log_level" not in settings.model_fields_set:
        level = max(level, logging.WARNING)
    root.setLevel(max(level, logging.WARNING))
    for name in OUR_LOGGERS:
        logging.getLogger(name).setLevel(level)
    return handler
