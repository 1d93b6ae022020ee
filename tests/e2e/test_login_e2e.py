"""Each demo account logs in through Chromium and lands on its own home page, in French."""

from __future__ import annotations

import pytest

from tests.e2e.browser import SCREENSHOTS, log_in

HOMES = [
    ("admin@demo.test", "/admin/", "Administration", "admin"),
    ("coordination@demo.test", "/coordination/", "Coordination de la CPTS", "coordination"),
    ("regulation@demo.test", "/regulation/", "Cabinets de garde du", "regulation"),
    ("medecin01@demo.test", "/gp/", "Bonjour", "gp"),
]


@pytest.mark.e2e
@pytest.mark.parametrize("email,path,heading,name", HOMES)
def test_demo_account_lands_on_its_home(page, live_server, email, path, heading, name):
    log_in(page, live_server, email)
    assert page.url == f"{live_server.url}{path}"
    assert heading in page.locator("h1").first.inner_text()
    assert page.locator("html").get_attribute("lang") == "fr"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"home-{name}-1280.png"))
    page.set_viewport_size({"width": 375, "height": 812})  # the phone view of docs/screenshots too
    page.screenshot(path=str(SCREENSHOTS / f"home-{name}-375.png"))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Se déconnecter").click()
    assert "/connexion" in page.url
    assert "Vous êtes déconnecté." in page.content()


@pytest.mark.e2e
def test_wrong_password_is_refused_and_email_kept(page, live_server):
    log_in(page, live_server, "medecin02@demo.test", "pas-le-bon-mot-de-passe")
    assert "/connexion" in page.url
    assert page.get_by_text("Adresse e-mail ou mot de passe incorrect.").is_visible()
    assert page.get_by_label("Adresse e-mail").input_value() == "medecin02@demo.test"
