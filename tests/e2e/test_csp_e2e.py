"""Under the Content-Security-Policy, Chromium blocks nothing on the main pages and their scripts still work."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sched.extensions import db
from sched.models import Period
from tests.e2e.browser import log_in


def period_ids(live_app) -> list[int]:
    with live_app.app_context():
        ids = list(db.session.scalars(select(Period.id).order_by(Period.id)))
        db.session.remove()
    return ids


def pages_of(email: str, periods: list[int]) -> list[str]:
    if email.startswith("coordination"):
        return [
            "/coordination/",
            "/coordination/rapports",
            "/coordination/medecins",
            "/coordination/cabinets",
            "/agendas",
        ] + [f"/coordination/periodes/{p}/{view}" for p in periods for view in ("planning", "reponses", "impression")]
    if email.startswith("medecin"):
        return ["/gp/", "/gp/profil", "/gp/comptes", "/mon-agenda"] + [f"/gp/disponibilites/{p}" for p in periods]
    if email.startswith("regulation"):
        return ["/regulation/"]
    return ["/admin/", "/admin/jetons"]


def watch_csp(page) -> list[str]:
    """Every CSP violation Chromium reports (it logs each one to the console as an error)."""
    violations: list[str] = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    return violations


@pytest.mark.e2e
@pytest.mark.parametrize(
    "email", ["coordination@demo.test", "medecin01@demo.test", "regulation@demo.test", "admin@demo.test"]
)
def test_main_pages_run_under_the_csp_without_a_violation(page, live_server, live_app, email):
    violations = watch_csp(page)
    log_in(page, live_server, email)
    for path in ["/connexion", "/mot-de-passe/oublie"] if email.startswith("admin") else []:
        page.goto(f"{live_server.url}{path}")
    for path in pages_of(email, period_ids(live_app)):
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status in (200, 404), path
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        page.wait_for_load_state("load")
    assert violations == []


@pytest.mark.e2e
def test_an_inline_script_would_be_reported(page, live_server):
    """The check above can fail: an inline script injected into a served page is refused and reported."""
    violations = watch_csp(page)
    page.goto(f"{live_server.url}/connexion")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1';"
        " document.body.appendChild(s); }"
    )
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.ran") is None
    assert violations and "script-src 'self'" in violations[0]


@pytest.mark.e2e
def test_feed_address_is_selected_on_focus(page, live_server):
    log_in(page, live_server, "medecin01@demo.test")
    page.goto(f"{live_server.url}/mon-agenda")
    field = page.locator("#feed-url")
    field.focus()
    selected = page.evaluate(
        "() => { const f = document.getElementById('feed-url'); return f.selectionEnd - f.selectionStart; }"
    )
    assert selected == len(field.input_value()) > 0
