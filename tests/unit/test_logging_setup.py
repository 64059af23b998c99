"""Log lines: JSON (one object a line) or key=value text, as SIGNOFF_LOG_FORMAT says; the sign-off a handler
acts on named on every line it makes; no secret and no section text in any line; a bad setting refused,
naming it."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from signoff.domain.errors import InvalidInput
from signoff.logging_setup import OUR_LOGGERS, configure_logging
from signoff.service.log_context import about_signoff
from signoff.settings import LogSettings, load_log_settings, load_settings
from tests.people import OWEN, RACHEL
from tests.support.app import in_memory_app
from tests.support.story import approve, draft, start_reference

SECTION_TEXT = "The NWROCU was inspected."


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """Each test configures the process's logging: put back the loggers and the record factory after."""
    root = logging.getLogger()
    handlers, factory = list(root.handlers), logging.getLogRecordFactory()
    levels = {name: logging.getLogger(name).level for name in ("", *OUR_LOGGERS)}
    yield
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    logging.setLogRecordFactory(factory)


def configured(log_format: str, log_level: str = "INFO") -> io.StringIO:
    out = io.StringIO()
    configure_logging(LogSettings(log_format=log_format, log_level=log_level), stream=out)
    return out


def a_decision() -> int:
    """The reference sign-off, started, its summary drafted and approved: in memory."""
    memory = in_memory_app()
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, SECTION_TEXT)
    approve(memory, signoff_id, "report-summary", RACHEL)
    return signoff_id


def test_json_is_one_object_a_line_and_a_decision_names_its_signoff() -> None:
    out = configured("json")
    signoff_id = a_decision()
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    [decision] = [r for r in records if r["logger"] == "signoff.service.handlers.decide"]
    assert decision["signoff_id"] == signoff_id
    assert decision["level"] == "INFO"
    assert "approved" in decision["message"]
    assert "report-summary" in decision["message"]
    # Starting, drafting and deciding each said what happened, about this sign-off.
    loggers = {r["logger"] for r in records if r.get("signoff_id") == signoff_id}
    assert {
        "signoff.service.handlers.start_signoff",
        "signoff.service.handlers.submit_revision",
        "signoff.service.handlers.decide",
    } <= loggers
    assert SECTION_TEXT not in out.getvalue()


def test_text_is_key_value_pairs_with_the_signoff_id() -> None:
    out = configured("text")
    signoff_id = a_decision()
    [decision] = [line for line in out.getvalue().splitlines() if "handlers.decide" in line]
    assert re.match(
        rf'time=\S+ level=INFO logger=signoff\.service\.handlers\.decide signoff_id={signoff_id} message="[^"]+"$',
        decision,
    ), decision
    assert SECTION_TEXT not in out.getvalue()


def test_text_quotes_what_needs_it_and_writes_extra_fields() -> None:
    out = configured("text")
    with about_signoff(7):
        logging.getLogger("signoff.anything").info(
            "said %s", "this", extra={"section": "report summary", "count": 2, "key": "a=b"}
        )
    logging.getLogger("signoff.anything").info("about nothing")
    first, second = out.getvalue().splitlines()
    assert first.endswith(
        'level=INFO logger=signoff.anything signoff_id=7 message="said this" section="report summary" '
        'count=2 key="a=b"'
    ), first
    assert "signoff_id" not in second  # the sign-off was only the first line's business
    assert second.endswith('message="about nothing"')


def test_a_traceback_follows_in_text_and_is_a_field_in_json() -> None:
    for log_format in ("text", "json"):
        out = configured(log_format)
        try:
            raise RuntimeError("the database went away")
        except RuntimeError:
            logging.getLogger("signoff.anything").exception("delivery failed")
        text = out.getvalue()
        if log_format == "json":
            [record] = [json.loads(line) for line in text.splitlines()]
            assert record["level"] == "ERROR"
            assert "RuntimeError: the database went away" in record["exception"]
        else:
            first, *rest = text.splitlines()
            assert first.endswith('message="delivery failed"')
            assert "RuntimeError: the database went away" in rest[-1]


def test_no_token_reaches_a_line_not_even_in_an_extra_field() -> None:
    for log_format in ("text", "json"):
        out = configured(log_format)
        link = "http://127.0.0.1:8000/sign-in/s3cretT0ken?next=/tasks"
        logging.getLogger("signoff.anything").info("sent %s", link, extra={"link": link})
        assert "s3cretT0ken" not in out.getvalue()
        assert "/sign-in/[redacted]" in out.getvalue()


def test_the_level_setting_is_the_threshold_and_a_quiet_command_logs_warnings_only() -> None:
    out = configured("text", "WARNING")
    logging.getLogger("signoff.anything").info("not written")
    logging.getLogger("signoff.anything").warning("written")
    assert "not written" not in out.getvalue()
    assert "written" in out.getvalue()

    configure_logging(LogSettings(), quiet=True)
    assert logging.getLogger("signoff").level == logging.WARNING
    # Unless SIGNOFF_LOG_LEVEL asks for more.
    configure_logging(LogSettings(log_level="DEBUG"), quiet=True)
    assert logging.getLogger("signoff").level == logging.DEBUG


def test_other_libraries_write_warnings_only_whatever_our_level() -> None:
    out = configured("text", "DEBUG")
    logging.getLogger("mail.log").info("Peer: ('127.0.0.1', 38614)")
    logging.getLogger("httpx").warning("a warning")
    logging.getLogger("flows.serving").debug("ours")
    assert "Peer" not in out.getvalue()
    assert "a warning" in out.getvalue()
    assert "ours" in out.getvalue()


def test_configuring_again_replaces_its_handler_and_leaves_others() -> None:
    other = logging.NullHandler()
    logging.getLogger().addHandler(other)
    configured("text")
    out = configured("json")
    logging.getLogger("signoff.anything").warning("once")
    assert len(out.getvalue().splitlines()) == 1
    assert other in logging.getLogger().handlers
    logging.getLogger().removeHandler(other)


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("SIGNOFF_LOG_FORMAT", "xml", "SIGNOFF_LOG_FORMAT: Input should be 'text' or 'json'"),
        ("SIGNOFF_LOG_LEVEL", "loud", "SIGNOFF_LOG_LEVEL: Input should be 'DEBUG', 'INFO'"),
    ],
)
def test_a_bad_setting_is_refused_naming_it(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)
    for load in (load_log_settings, load_settings):
        with pytest.raises(InvalidInput, match=re.escape(expected)):
            load()


def test_settings_take_any_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNOFF_LOG_FORMAT", "JSON")
    monkeypatch.setenv("SIGNOFF_LOG_LEVEL", "debug")
    settings = load_log_settings()
    assert (settings.log_format, settings.log_level) == ("json", "DEBUG")


def test_the_command_refuses_a_bad_log_setting_before_it_runs() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNOFF_")}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "signoff"), "states"],
        env={**env, "SIGNOFF_LOG_LEVEL": "loud"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert "SIGNOFF_LOG_LEVEL" in result.stderr
