"""The collection in Chromium: reopened with a new deadline, an answer received by phone typed by the coordination."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from sched.extensions import db
from sched.models import AvailabilityAnswer, Period, utcnow
from tests.e2e.browser import log_in

pytestmark = pytest.mark.e2e
PERIOD_NAME = "Période e2e recueil"


def close_collection(live_app) -> None:
    """The deadline passes (a day is long to wait in a test)."""
    with live_app.app_context():
        period = db.session.scalar(select(Period).where(Period.name == PERIOD_NAME))
        period.deadline = utcnow() - timedelta(minutes=1)
        db.session.commit()
        db.session.remove()


def test_coordination_reopens_and_types_an_answer(page, live_server, live_app):
    log_in(page, live_server, "coordination@demo.test")
    start = date.today().replace(day=1) + timedelta(days=32 * 8)
    page.goto(f"{live_server.url}/coordination/periodes/nouvelle")
    page.get_by_label("Premier mois").fill(f"{start.year}-{start.month:02d}")
    page.get_by_label("Nom (facultatif)").fill(PERIOD_NAME)
    page.get_by_role("button", name="Créer la période").click()
    page.get_by_label("Date limite des réponses").fill((date.today() + timedelta(days=3)).isoformat())
    page.get_by_role("button", name="Ouvrir la période").click()
    page.get_by_text("Recueil des disponibilités ouvert").wait_for()
    assert "une optimisation maintenant est un essai" in page.content()

    close_collection(live_app)
    page.reload()
    page.get_by_label("Nouvelle date limite des réponses").fill("2020-01-01")
    page.get_by_role("button", name="Rouvrir le recueil").click()
    page.get_by_text("La nouvelle date limite doit être dans le futur.").wait_for()
    page.get_by_label("Nouvelle date limite des réponses").fill((date.today() + timedelta(days=5)).isoformat())
    page.get_by_role("button", name="Rouvrir le recueil").click()
    page.get_by_text("Recueil des disponibilités rouvert").wait_for()

    close_collection(live_app)  # a paper answer arrives after the deadline: the coordination still types it
    page.get_by_role("link", name="Réponses").click()
    entry = page.get_by_role("link", name="Saisir la réponse").first
    entry.click()
    page.get_by_role("heading", name="Disponibilités de").wait_for()
    page.locator("fieldset.shift-choice").first.get_by_text("Préféré").click()
    page.get_by_label("Commentaire pour la coordination de la CPTS").fill("Reçu par téléphone")
    page.get_by_role("button", name="Enregistrer la réponse de").click()
    page.get_by_text("saisi par la coordination").first.wait_for()
    page.get_by_role("link", name="Retour aux réponses").click()
    assert "saisi par la coordination" in page.content() and "Corriger la réponse" in page.content()
    with live_app.app_context():
        period = db.session.scalar(select(Period).where(Period.name == PERIOD_NAME))
        answer = db.session.scalar(select(AvailabilityAnswer).where(AvailabilityAnswer.period_id == period.id))
        assert answer.entered_by is not None and answer.comment == "Reçu par téléphone"
        db.session.remove()
