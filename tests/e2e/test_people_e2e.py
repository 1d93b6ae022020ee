"""One person in two CPTS, in Chromium on a phone: the demo's medecin01 sees the Réunion CPTS on their Metz home,
switches with the header's list, answers the Réunion grid, and switches back."""

from __future__ import annotations

import pytest

from sched.services.demo import DEMO_NAME, REUNION_NAME
from tests.e2e.browser import SCREENSHOTS, log_in

pytestmark = pytest.mark.e2e


def switch_to(page, name: str) -> None:
    page.get_by_label("CPTS", exact=True).select_option(label=name)
    page.get_by_role("button", name="Changer").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text(f"Vous êtes maintenant dans {name}.").is_visible()
    assert name in page.locator("footer").inner_text()


def test_a_gp_of_two_cpts_sees_both_and_switches(browser, live_server):
    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="fr-FR", has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    log_in(page, live_server, "medecin01@demo.test")
    assert DEMO_NAME in page.locator("footer").inner_text()
    others = page.locator("section[aria-labelledby=others-title]")
    assert REUNION_NAME in others.inner_text()
    assert "pas encore répondu" in others.inner_text() and "(heure de la CPTS)" in others.inner_text()
    assert "Cabinet de garde de Saint-Pierre" in others.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    others.screenshot(path=str(SCREENSHOTS / "gp-other-cpts-375.png"))

    switch_to(page, REUNION_NAME)
    assert page.get_by_role("heading", name="Mes autres CPTS").is_visible()
    assert DEMO_NAME in page.locator("section[aria-labelledby=others-title]").inner_text()
    page.get_by_role("link", name="Donner mes disponibilités").first.click()
    page.wait_for_load_state("networkidle")
    assert "Mes disponibilités" in page.locator("h1").inner_text()
    assert "Saint-Pierre" in page.content() and "Metz Centre" not in page.content()
    page.screenshot(path=str(SCREENSHOTS / "gp-other-cpts-grid-375.png"))

    switch_to(page, DEMO_NAME)  # the next login opens the account used last: leave it in Metz for the other tests
    context.close()
