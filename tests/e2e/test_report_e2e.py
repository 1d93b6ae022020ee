"""Reports in Chromium: a GP gives an end-of-garde count on a phone (375 px); the coordination's dashboard and the
download of the monthly PDF for the ARS."""

from __future__ import annotations

import subprocess

import pytest
from sqlalchemy import select

from sched.extensions import db
from sched.models import GP, Assignment, GardeCount, Shift, Territory, utcnow
from sched.services import counts
from sched.services.demo import DEMO_NAME
from sched.services.eligibility import published_in
from tests.e2e.browser import SCREENSHOTS, log_in

pytestmark = pytest.mark.e2e
PHONE = {"width": 375, "height": 812}


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def read(live_app, query):
    with live_app.app_context():
        try:
            return query()
        finally:
            db.session.remove()


def missing_count(live_app) -> tuple[int, int, str, int]:
    """(shift id, GP id, GP e-mail, live bookings of that GP's créneaux) of a Metz garde held with no count yet.

    Metz only: the login opens the GP's Metz account, and the demo's Réunion gardes (18:00 there, 14:00 UTC) end
    before the Metz ones of the same day."""

    def find():
        counted = select(GardeCount.id).where(
            GardeCount.shift_id == Assignment.shift_id, GardeCount.gp_id == Assignment.gp_id
        )
        metz = db.session.scalar(select(Territory.id).where(Territory.name == DEMO_NAME))
        shift_id, gp_id = db.session.execute(
            published_in(metz, Shift.ends_at < utcnow(), ~counted.exists())
            .with_only_columns(Assignment.shift_id, Assignment.gp_id)
            .order_by(Shift.starts_at.desc())
            .limit(1)
        ).one()
        email = db.session.get(GP, gp_id).user.email
        return shift_id, gp_id, email, counts.bookings_of(shift_id, gp_id)

    return read(live_app, find)


def test_report_gp_end_of_garde_count_on_a_phone(browser, live_server, live_app):
    shift_id, gp_id, email, booked = missing_count(live_app)
    context = browser.new_context(viewport=PHONE, locale="fr-FR", timezone_id="Europe/Paris", has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        log_in(page, live_server, email)
        assert DEMO_NAME in page.locator("footer").inner_text()
        page.get_by_role("link", name="Comptes de fin de garde").click()
        page.locator(f"a[href='/gp/comptes/{shift_id}']").first.click()
        sent = page.get_by_label("dont adressés par le 15")
        assert sent.input_value() == str(booked)  # prefilled with the regulation's bookings
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        shoot(page, "gp-count-375")
        page.get_by_label("Patients vus").fill(str(booked + 4))
        page.get_by_role("button", name="Enregistrer le compte").click()
        assert "Compte enregistré" in page.locator(".flash-success").inner_text()
        saved = read(
            live_app,
            lambda: db.session.scalar(
                select(GardeCount.patients_seen).where(GardeCount.shift_id == shift_id, GardeCount.gp_id == gp_id)
            ),
        )
        assert saved == booked + 4
    finally:
        context.close()


def test_report_coordination_dashboard_and_pdf_download(page, live_server, tmp_path):
    log_in(page, live_server, "coordination@demo.test")
    assert page.get_by_role("heading", name="Gardes non pourvues des 4 prochaines semaines").is_visible()
    assert page.locator("svg[role=img] title", has_text="Heures d'ouverture par mois").count() == 1
    assert "de réponses" in page.locator(".dash-figures").first.inner_text()
    shoot(page, "coordination-dashboard")
    page.get_by_role("link", name="Rapport mensuel (ARS)").click()
    month = page.locator("h1").inner_text().split(" : ")[1]
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger le PDF (A4)").click()
    pdf = tmp_path / download.value.suggested_filename
    download.value.save_as(pdf)
    assert pdf.name.startswith("rapport-activite-") and pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert f"CPTS Metz Démo — {month}" in text
    assert "Total" in text and "Heures d'ouverture par mois" in text
