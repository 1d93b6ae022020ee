"""A regulator finds a free créneau, books it; the GP sees the booking on « Mes gardes »."""

from __future__ import annotations

import re
import secrets
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from sched.extensions import db
from sched.models import ConsultationSlot
from tests.e2e.browser import SCREENSHOTS, log_in

pytestmark = pytest.mark.e2e


def gp_email_of_slot(live_app, slot_id: int) -> str:
    with live_app.app_context():
        slot = db.session.scalar(select(ConsultationSlot).where(ConsultationSlot.id == slot_id))
        email = slot.gp.user.email
        db.session.remove()
        return email


def open_day_with_a_free_slot(page, live_server) -> None:
    """Today if a créneau is still free, else the next open days until one is."""
    page.goto(f"{live_server.url}/regulation/")
    for _ in range(10):
        if page.locator("a.slot.free").count():
            return
        next_open = page.get_by_role("link", name=re.compile("Prochain jour ouvert"))
        if next_open.count():
            next_open.click()
        else:
            day = date.fromisoformat(page.locator("#date").input_value()) + timedelta(days=1)
            page.goto(f"{live_server.url}/regulation/?date={day.isoformat()}")
    raise AssertionError("no free créneau in the demo's next ten days")


def test_regulator_books_a_free_slot_and_the_gp_sees_it(page, browser, live_server, live_app):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    log_in(page, live_server, "regulation@demo.test")
    assert page.url.endswith("/regulation/")
    assert page.get_by_text("Mis à jour à").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "regulation-daily.png"), full_page=True)
    open_day_with_a_free_slot(page, live_server)

    free = page.locator("a.slot.free").first
    slot_id = int(free.get_attribute("id").removeprefix("reserver-"))
    free.click()
    ref = f"E2E-{secrets.token_hex(3).upper()}"
    page.get_by_label("Numéro de dossier de régulation").fill(ref)
    page.get_by_label("Initiales du patient").fill("jd")
    page.get_by_label("Tranche d'âge").select_option("18-64")
    page.screenshot(path=str(SCREENSHOTS / "regulation-book.png"), full_page=True)
    page.get_by_role("button", name="Réserver ce créneau").click()

    assert page.get_by_text(f"dossier n° {ref}.").is_visible()  # the flash
    booked = page.locator(f"#creneau-{slot_id} .slot.booked")
    assert f"dossier n° {ref} · JD · 18 à 64 ans" in booked.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "regulation-booked.png"), full_page=True)
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4")
    assert pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") == 1, "the day must print on one A4 page"
    page.screenshot(path=str(SCREENSHOTS / "regulation-print.png"), full_page=True)
    page.emulate_media(media="screen")

    context = browser.new_context(viewport={"width": 375, "height": 800}, locale="fr-FR", timezone_id="Europe/Paris")
    phone = context.new_page()
    log_in(phone, live_server, "regulation@demo.test")
    phone.goto(page.url)
    phone.screenshot(path=str(SCREENSHOTS / "regulation-phone.png"), full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    context.close()

    gp_page = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris").new_page()
    log_in(gp_page, live_server, gp_email_of_slot(live_app, slot_id))
    gp_page.goto(f"{live_server.url}/gp/")
    assert gp_page.get_by_text(ref).first.is_visible()
    gp_page.screenshot(path=str(SCREENSHOTS / "regulation-gp-sees-booking.png"), full_page=True)
    gp_page.context.close()


def test_list_refreshes_itself_every_minute_without_losing_the_place(page, live_server):
    page.clock.install()
    log_in(page, live_server, "regulation@demo.test")
    open_day_with_a_free_slot(page, live_server)
    page.set_viewport_size({"width": 375, "height": 500})
    page.evaluate("window.scrollTo(0, 400)")
    page.evaluate("document.getElementById('updated').textContent = 'ancien'")
    page.clock.run_for(61_000)
    # A locator waits without evaluating a string in the page, which the CSP (no 'unsafe-eval') would refuse.
    expect(page.locator("#updated")).to_have_text(re.compile("^Mis à jour à"))
    assert page.evaluate("window.scrollY") == 400


def test_booking_on_a_phone_puts_the_cursor_in_the_file_number_and_the_message_in_view(browser, live_server):
    """375 px: the form opens typing the file number; back on the list the success message is seen and focused."""
    context = browser.new_context(viewport={"width": 375, "height": 700}, locale="fr-FR", timezone_id="Europe/Paris")
    page = context.new_page()
    try:
        log_in(page, live_server, "regulation@demo.test")
        open_day_with_a_free_slot(page, live_server)
        free = page.locator("a.slot.free").last  # far down the list: the top of the page is out of view
        slot_id = free.get_attribute("id").removeprefix("reserver-")
        free.click()
        expect(page.get_by_label("Numéro de dossier de régulation")).to_be_focused()
        ref = f"TEL-{secrets.token_hex(3).upper()}"
        page.keyboard.type(ref)  # straight into the field, no tap first
        page.get_by_role("button", name="Réserver ce créneau").click()
        page.wait_for_load_state("networkidle")
        message = page.locator("#messages")
        expect(message).to_contain_text(f"dossier n° {ref}")
        expect(message).to_be_focused()
        expect(message).to_be_in_viewport()
        page.screenshot(path=str(SCREENSHOTS / "regulation-booked-phone.png"))
        cancel = page.locator(f"#creneau-{slot_id} a.slot-cancel")
        box = cancel.bounding_box()
        assert box["height"] >= 24 and box["width"] >= 24, box
        assert cancel.evaluate("e => e.textContent") == f"Annuler la réservation du dossier n° {ref}"
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
    finally:
        context.close()


def test_empty_day_and_the_list_page_of_its_own(page, live_server):
    log_in(page, live_server, "regulation@demo.test")
    page.goto(f"{live_server.url}/regulation/?date=2026-12-25")
    expect(page.locator(".reg-empty")).to_contain_text("Jour férié (Noël).")
    page.screenshot(path=str(SCREENSHOTS / "regulation-holiday.png"), full_page=True)
    page.goto(f"{live_server.url}/regulation/liste?date={date.today().isoformat()}")
    assert page.locator("html").get_attribute("lang") == "fr" and page.title().startswith("Liste du")
    assert page.get_by_role("main").count() == 1 and page.get_by_role("heading", level=1).count() == 1
    page.screenshot(path=str(SCREENSHOTS / "regulation-list-alone.png"), full_page=True)
