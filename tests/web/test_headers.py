"""Security headers on every response; no inline script or style left for the CSP to block."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sched import create_app

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
INLINE = re.compile(r"<script(?![^>]*\bsrc=)|<style|\sstyle=|\son[a-z]+=|javascript:", re.IGNORECASE)


@pytest.mark.parametrize(
    "path", ["/connexion", "/gp/", "/static/app.css", "/nexiste-pas", "/api/v1/slots", "/fhir/Slot"]
)
def test_every_response_carries_the_security_headers(client, path):
    headers = client.get(path).headers
    policy = headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy and "style-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in headers  # the tests' cookies are not Secure: plain HTTP


def test_hsts_when_cookies_are_secure(app_config):
    client = create_app({**app_config, "SESSION_COOKIE_SECURE": True}).test_client()
    assert client.get("/connexion").headers["Strict-Transport-Security"] == "max-age=31536000"


def test_no_template_served_to_a_browser_has_inline_script_or_style():
    # E-mails are not served by the app (and mail readers need inline styles).
    pages = [path for path in TEMPLATES.rglob("*.html") if path.parent.name != "email"]
    found = [
        f"{path.relative_to(TEMPLATES)}:{match.group(0).strip()}"
        for path in pages
        for match in INLINE.finditer(path.read_text())
    ]
    assert found == []
