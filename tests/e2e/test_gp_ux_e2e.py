"""The GP's UX pass in Chromium at 375 px: one-tap subscription, choices kept across an ended session, « Mes
gardes » read offline through the service worker."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from sched.extensions import db
from sched.models import GP, Availability, AvailabilityAnswer, Period, Shift, Territory, User, utcnow
from sched.services.demo import DEMO_NAME
from tests.e2e.browser import SCREENSHOTS, log_in

pytestmark = pytest.mark.e2e
PHONE = {"width": 375, "height": 812}
CACHE_HAS_PAGE = "() => caches.open('snp-mes-gardes-v1').then(c => c.match('/gp/')).then(r => !!r)"


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, locale="fr-FR", timezone_id="Europe/Paris", is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def shot(page, name: str, full_page: bool = True) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=full_page)


def small_targets(page) -> list[str]:
    """Links, buttons and form controls under 24×24 px (WCAG 2.2 target size); a link inside a sentence is exempt."""
    return page.evaluate(
        """() => [...document.querySelectorAll('a, button, input:not([type=hidden]), select, textarea, label[for]')]
        .filter(e => e.offsetParent !== null && !e.closest('.visually-hidden, .segmented, .default-submit'))
        .filter(e => { const block = e.parentElement.closest('p, li, dd, td, h1, h2, h3, h4');
                       return !(block && block.textContent.trim() !== e.textContent.trim()); })
        .filter(e => { const r = e.getBoundingClientRect(); return r.width < 24 || r.height < 24; })
        .map(e => e.outerHTML.slice(0, 80))"""
    )


def test_gp_pages_targets_on_a_phone(phone, live_server, live_app):
    page = phone
    period_id, _gp_id, _shift_id = open_period_and_gp(live_app, "medecin08@demo.test")
    log_in(page, live_server, "medecin08@demo.test")
    paths = ["/gp/", "/gp/profil", "/mon-agenda", f"/gp/disponibilites/{period_id}", "/gp/absences", "/gp/historique"]
    for path in paths:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        assert small_targets(page) == [], path
        assert no_horizontal_scroll(page), path
    page.goto(f"{live_server.url}/gp/")
    header = page.locator("header")
    for role, name in [
        ("link", "Mes gardes"),
        ("link", "Mon profil"),
        ("link", "Mon agenda"),
        ("button", "Se déconnecter"),
    ]:
        assert header.get_by_role(role, name=name).bounding_box()["height"] >= 44, name
    assert page.get_by_role("link", name="Mon agenda (iCal)").bounding_box()["height"] >= 44


def test_subscription_page_on_a_phone(phone, live_server):
    page = phone
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    log_in(page, live_server, "medecin05@demo.test")
    page.goto(f"{live_server.url}/mon-agenda")
    address = page.get_by_label("Adresse de mon agenda").input_value()
    assert address.startswith(f"{live_server.url}/ical/gp/"), "the served address, not port 5000"
    webcal = page.get_by_role("link", name="Ajouter à l'agenda de cet appareil")
    assert webcal.get_attribute("href") == address.replace("http://", "webcal://")
    for name in ("Ajouter à Google Agenda", "Ajouter à Outlook.com", "Ajouter à Outlook (Microsoft 365)"):
        box = page.get_by_role("link", name=name).bounding_box()
        assert box["height"] >= 44 and box["width"] > 300, name
    assert page.locator("svg.qr-code").bounding_box()["width"] >= 150
    page.get_by_role("button", name="Copier l'adresse").click()
    expect(page.get_by_text("Adresse copiée.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == address
    assert no_horizontal_scroll(page) and small_targets(page) == []
    shot(page, "gp-calendar-375.png")

    page.get_by_role("button", name="Générer une nouvelle adresse").click()
    expect(page.get_by_text("Cochez la case pour confirmer")).to_be_visible()
    assert page.get_by_label("Adresse de mon agenda").input_value() == address
    page.get_by_label(re.compile("Je comprends que l'adresse actuelle")).check()
    page.get_by_role("button", name="Générer une nouvelle adresse").click()
    expect(page.get_by_text("Nouvelle adresse créée")).to_be_visible()
    assert page.get_by_label("Adresse de mon agenda").input_value() != address
    nav = page.get_by_role("navigation", name="Navigation principale")
    assert nav.get_by_role("link", name="Mon profil").is_visible()
    assert nav.get_by_role("link", name="Mon agenda").bounding_box()["height"] >= 44


def open_period_and_gp(live_app, email: str) -> tuple[int, int, int]:
    """(period id, GP id, a garde of the GP's grid with no saved choice) in the demo's open period."""
    with live_app.app_context():
        period_id = db.session.scalar(
            select(Period.id)
            .join(Territory)
            .where(Territory.name == DEMO_NAME, Period.state == "collecting", Period.deadline > utcnow())
        )
        gp = db.session.scalar(select(GP).join(User).where(User.email == email))
        saved = set(db.session.scalars(select(Availability.shift_id).where(Availability.gp_id == gp.id)))
        shift_id = db.session.scalar(
            select(Shift.id)
            .where(Shift.period_id == period_id, Shift.site_id.in_([s.id for s in gp.sites]), Shift.id.not_in(saved))
            .order_by(Shift.starts_at)
        )
        db.session.remove()
        return period_id, gp.id, shift_id


def test_session_ended_before_saving_the_choices_come_back(phone, live_server, live_app):
    page = phone
    period_id, gp_id, shift_id = open_period_and_gp(live_app, "medecin14@demo.test")
    log_in(page, live_server, "medecin14@demo.test")
    page.goto(f"{live_server.url}/gp/disponibilites/{period_id}")
    page.locator(f"label[for='s{shift_id}-preferred']").click()
    page.get_by_label("Nombre maximum de samedis").fill("1")
    page.get_by_label("Commentaire pour la coordination de la CPTS").fill("Revenu de congés le 10.")
    page.context.clear_cookies()  # the session is gone (browser restarted, cookie expired)
    page.get_by_role("button", name="Enregistrer mes disponibilités").click()

    assert "/connexion" in page.url
    expect(page.get_by_text("Votre session a expiré")).to_be_visible()
    assert no_horizontal_scroll(page)
    shot(page, "gp-session-expired-375.png", full_page=False)
    page.get_by_label("Adresse e-mail").fill("medecin14@demo.test")
    page.get_by_label("Mot de passe", exact=True).fill("demo-cpts-2027")
    page.get_by_role("button", name="Se connecter").click()

    assert page.url.endswith(f"/gp/disponibilites/{period_id}")
    assert page.locator(f"#s{shift_id}-preferred").is_checked()
    assert page.get_by_label("Nombre maximum de samedis").input_value() == "1"
    assert page.get_by_label("Commentaire pour la coordination de la CPTS").input_value() == "Revenu de congés le 10."
    assert page.get_by_text("Pas encore enregistré.").is_visible()
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "gp-choices-kept-375.png", full_page=False)
    with live_app.app_context():
        query = select(Availability).where(Availability.gp_id == gp_id, Availability.shift_id == shift_id)
        kept = db.session.scalar(query)
        db.session.remove()
    assert kept is None, "nothing saved before the GP clicks again"
    page.get_by_role("button", name="Enregistrer mes disponibilités").click()
    assert page.locator(".flash-success").inner_text().startswith("Disponibilités enregistrées le ")
    assert page.locator(f"#s{shift_id}-preferred").is_checked()


def test_quick_fills_count_live_and_undo(phone, live_server, live_app):
    page = phone
    period_id, _gp_id, _shift_id = open_period_and_gp(live_app, "medecin21@demo.test")
    log_in(page, live_server, "medecin21@demo.test")
    page.goto(f"{live_server.url}/gp/disponibilites/{period_id}")
    count = page.locator('#counts [data-count="available"]')
    page.get_by_role("button", name="Tout effacer").click()
    assert count.inner_text() == "0" and "/disponibilites/" in page.url
    page.get_by_role("button", name="Tous les lundis soir").click()
    mondays = int(count.inner_text())
    assert mondays > 0
    page.get_by_role("button", name="Annuler le dernier remplissage").click()
    assert count.inner_text() == "0"
    page.locator("fieldset.shift-choice label", has_text="Préféré").first.click()
    assert page.locator('#counts [data-count="preferred"]').inner_text() == "1"
    page.locator("#fills-title").scroll_into_view_if_needed()
    page.evaluate("document.getElementById('fills-title').scrollIntoView()")
    shot(page, "gp-quick-fills-375.png", full_page=False)
    assert no_horizontal_scroll(page)
    page.get_by_label("Nombre maximum de gardes par semaine").fill("-2")
    page.get_by_role("button", name="Enregistrer mes disponibilités").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    assert summary.is_visible() and page.evaluate("document.activeElement.id") == "error-summary"
    summary.get_by_role("link", name=re.compile("Nombre maximum de gardes par semaine")).click()
    assert page.url.endswith("#max_per_week")
    assert page.locator(".has-error #max_per_week-err").is_visible()
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "gp-answer-errors-375.png", full_page=False)


def test_mes_gardes_readable_offline(phone, live_server):
    page = phone
    log_in(page, live_server, "medecin03@demo.test")
    assert page.url.endswith("/gp/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # now under the worker: this load is the one kept
    page.wait_for_function(CACHE_HAS_PAGE)
    heading = page.get_by_role("heading", level=1).inner_text()

    page.context.set_offline(True)
    page.goto(f"{live_server.url}/gp/")
    note = page.locator(".offline-note")
    assert note.is_visible() and "Hors ligne : version du" in note.inner_text()
    assert re.search(r"version du \w+ \d{1,2} \w+ \d{4} à \d{2}:\d{2}", note.inner_text())
    assert page.get_by_role("heading", level=1).inner_text() == heading
    assert page.locator(".my-shift").count() > 0
    assert no_horizontal_scroll(page)
    shot(page, "gp-offline-375.png", full_page=False)
    page.goto(f"{live_server.url}/")  # the installed app's start address opens on it too
    assert page.locator(".offline-note").is_visible()

    page.context.set_offline(False)
    page.goto(f"{live_server.url}/gp/")
    assert page.locator(".offline-note").count() == 0
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(re.compile("/connexion"))
    page.wait_for_function("() => caches.has('snp-mes-gardes-v1').then(has => !has)")


def test_the_coordination_reads_comments_and_copies_calendar_addresses(phone, live_server, live_app):
    page = phone
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    with live_app.app_context():
        answer = db.session.scalar(select(AvailabilityAnswer).order_by(AvailabilityAnswer.id))
        answer.comment = "Pas de garde la semaine du 15 : congrès."
        period_id, name = answer.period_id, answer.gp.name
        db.session.commit()
        db.session.remove()
    log_in(page, live_server, "coordination@demo.test")
    page.goto(f"{live_server.url}/coordination/periodes/{period_id}/reponses")
    row = page.locator("tr", has_text=name)
    assert "Commentaire du médecin : Pas de garde la semaine du 15 : congrès." in row.inner_text()
    row.scroll_into_view_if_needed()
    shot(page, "coordination-answers-comment-375.png", full_page=False)
    page.goto(f"{live_server.url}/agendas")
    address = page.get_by_label(re.compile("Agenda de la coordination")).input_value()
    assert address.startswith(f"{live_server.url}/ical/coordination/")
    page.get_by_role("button", name="Copier l'adresse de la CPTS").click()
    expect(page.locator('[data-copy-status="feed-coordination"]')).to_have_text("Adresse copiée.")
    assert page.evaluate("navigator.clipboard.readText()") == address
    assert no_horizontal_scroll(page)
    shot(page, "coordination-calendars-375.png")
