"""No secret in any log line: sign-in tokens (they ride in the link's path) and session cookies are
redacted from every log record the process makes, whichever logger makes it.

A filter on one logger sees only the records made on that logger (uvicorn.access, say), not those a
child logger propagates to it, and a handler's filter misses handlers added later. So the redaction sits
in the log record factory: every record, from uvicorn's access log, our own loggers, Prefect's or an
HTTP client's, is redacted once, as it is made, before any filter, handler or formatter sees it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

REDACTED = "[redacted]"
# A sign-in link's token is the path segment after /sign-in/; a session cookie is its value.
SECRETS = re.compile(r"(?P<keep>/sign-in/|signoff_session=)[^\s/?#;,\"'<>\\]+")


def redact(text: str) -> str:
    return SECRETS.sub(lambda found: found.group("keep") + REDACTED, text)


def _redacted_argument(value: object) -> object:
    if isinstance(value, str):
        return redact(value)
    if value is None or isinstance(value, int | float | bool):
        return value  # kept as they are, for %d and %f
    # A URL object (an HTTP client's request URL, say) prints its token: replace it by its redacted text.
    text = str(value)
    cleaned = redact(text)
    return cleaned if cleaned != text else value


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """The record with every secret its message, arguments, traceback or stack would print redacted."""
    record.msg = _redacted_argument(record.msg)
    if isinstance(record.args, tuple):
        record.args = tuple(_redacted_argument(value) for value in record.args)
    elif isinstance(record.args, Mapping):
        record.args = {key: _redacted_argument(value) for key, value in record.args.items()}
    if record.exc_info and record.exc_info[0] is not None:
        # Formatters print exc_text when it is set: a traceback quoting a URL is redacted too.
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    return record


def install_log_redaction() -> None:
    """Redact every log record this process makes from now on. Safe to call more than once."""
    current: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()
    if getattr(current, "redacts_secrets", False):
        return

    def redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return redact_record(current(*args, **kwargs))

    redacting_factory.redacts_secrets = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(redacting_factory)
