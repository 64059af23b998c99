"""Security headers on every response, the secret key rule, cookies over HTTPS, the body limit."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import HttpUrl, SecretStr

from signoff.bootstrap import Application, bootstrap
from signoff.domain.errors import InvalidInput
from signoff.entrypoints.web.app import create_web_app
from signoff.settings import PROJECT_ROOT, Settings
from tests.support.web import TestClient, csrf_of


def test_every_response_carries_the_security_headers(client: TestClient) -> None:
    for path in ("/sign-in", "/tasks", "/no-such-page", "/api/tasks", "/static/signoff.css"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "default-src 'self'" in csp
        assert "script-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"


def test_pages_have_no_inline_script_or_style(client: TestClient) -> None:
    html = client.get("/sign-in").text
    assert "<script" not in html
    assert "style=" not in html
    assert "<style" not in html


def settings_for(tmp_path: Path, **values: object) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'x.db'}",
        config_dir=PROJECT_ROOT / "config",
        var_dir=tmp_path,
        **values,  # type: ignore[arg-type]
    )


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    application = bootstrap(settings_for(tmp_path, environment="production"))
    try:
        with pytest.raises(InvalidInput, match="SIGNOFF_SECRET_KEY"):
            create_web_app(application)
    finally:
        application.engine.dispose()


def test_a_short_secret_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="32 characters"):
        settings_for(tmp_path, secret_key=SecretStr("short"))


def test_over_https_the_session_cookie_is_secure(tmp_path: Path) -> None:
    application = bootstrap(
        settings_for(
            tmp_path,
            environment="production",
            secret_key=SecretStr("k" * 40),
            base_url=HttpUrl("https://signoff.example.org"),
        )
    )
    try:
        with TestClient(create_web_app(application), base_url="https://signoff.example.org") as client:
            answer = client.get("/sign-in")
            assert "secure" in answer.headers["set-cookie"].lower()
            assert "max-age=31536000" in answer.headers["strict-transport-security"]
    finally:
        application.engine.dispose()


def test_an_oversized_form_is_refused_before_it_is_read(client: TestClient, app: Application) -> None:
    page = client.get("/sign-in")
    answer = client.post("/sign-in", data={"email": "x" * 1_200_000, "csrf_token": csrf_of(page.text)})
    assert answer.status_code == 413
