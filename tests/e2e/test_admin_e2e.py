"""The administration at 1280 px: an API token created on the page, its secret shown once; an account's actions."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import SCREENSHOTS, log_in

pytestmark = pytest.mark.e2e


def test_admin_creates_a_named_token_sees_the_secret_once_and_revokes_it(page, live_server):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    log_in(page, live_server, "admin@demo.test")
    page.get_by_role("link", name="Jetons d'accès des logiciels de régulation").click()
    page.get_by_label("Nom du jeton").fill("Logiciel SAS — poste e2e")
    page.get_by_label("Compte de régulation").select_option(label="Régulation Centre 15 (regulation@demo.test)")
    page.get_by_role("button", name="Créer le jeton").click()
    expect(page.get_by_role("heading", name="Jeton « Logiciel SAS — poste e2e » créé")).to_be_visible()
    secret = page.get_by_label("Jeton de Régulation Centre 15").input_value()
    assert len(secret) >= 40
    page.screenshot(path=str(SCREENSHOTS / "admin-token-created.png"), full_page=True)

    # The software uses it at once; the list then shows its last use, never the secret again.
    answer = page.request.get(f"{live_server.url}/api/v1/daily", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status == 200
    page.goto(f"{live_server.url}/admin/jetons")
    row = page.get_by_role("row").filter(has_text="Logiciel SAS — poste e2e")
    expect(row).not_to_contain_text("jamais")
    assert secret not in page.content()
    page.screenshot(path=str(SCREENSHOTS / "admin-tokens.png"), full_page=True)

    row.get_by_role("button", name="Révoquer le jeton « Logiciel SAS — poste e2e »").click()
    expect(page.get_by_text("Jeton « Logiciel SAS — poste e2e » de Régulation Centre 15 révoqué.")).to_be_visible()
    answer = page.request.get(f"{live_server.url}/api/v1/daily", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status == 401


def test_admin_finds_an_account_and_sends_a_reset_link(page, live_server):
    log_in(page, live_server, "admin@demo.test")
    page.get_by_label("Rechercher un compte").fill("medecin07")
    page.get_by_role("button", name="Rechercher").click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    page.screenshot(path=str(SCREENSHOTS / "admin-accounts.png"), full_page=True)
    rows.get_by_role("link").click()
    page.get_by_role("button", name="Envoyer un lien de réinitialisation du mot de passe").click()
    expect(page.get_by_text("Lien de réinitialisation du mot de passe envoyé à medecin07@demo.test.")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "admin-account.png"), full_page=True)
