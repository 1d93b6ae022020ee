"""The pages of the reports: the GP's end-of-garde count, the coordination's corrections, the dashboard, downloads."""

from __future__ import annotations

import html
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from sched.extensions import db
from sched.jobs import use_app
from sched.jobs.reports import garde_count_reminders
from sched.models import AuditEvent, GardeCount, OutboxEmail, OutboxSms, utcnow
from sched.services import dashboard
from tests.factories import (
    PARIS,
    PASSWORD,
    add_period,
    add_shift,
    add_templates,
    book_slot,
    make_user,
    numbered_gp,
    open_period,
    publish_version,
    slots_of,
)


@pytest.fixture
def yesterday(territory):
    """Yesterday's garde 18–20 h at the test cabinet with GP 1 (two bookings, one cancelled) and GP 2 on it."""
    day = datetime.now(PARIS).date() - timedelta(days=1)
    gp1, gp2 = numbered_gp(territory, 1), numbered_gp(territory, 2)
    regulator = make_user(territory, "regulator", "regul@test.fr")
    period = add_period(territory, day, day + timedelta(days=10), state="published")
    shift = add_shift(period, territory.sites[0], day, min_gps=1, target_gps=2)
    future = add_shift(period, territory.sites[0], day + timedelta(days=3), min_gps=1, target_gps=1)
    db.session.flush()
    publish_version(period, [(shift, gp1), (shift, gp2)])
    book_slot(slots_of(shift, gp1)[0], regulator, "R-1")
    book_slot(slots_of(shift, gp1)[1], regulator, "R-2")
    book_slot(slots_of(shift, gp1)[2], regulator, "R-3", cancelled=True)
    db.session.commit()
    return {"shift": shift, "future": future, "gp1": gp1, "gp2": gp2, "day": day}


def login(app, email: str):
    browser = app.test_client()
    assert browser.post("/connexion", data={"email": email, "password": PASSWORD}).status_code == 302
    return browser


def test_gp_count_is_prefilled_with_the_bookings_and_saved(app, yesterday):
    browser = login(app, "medecin1@test.fr")
    listing = browser.get("/gp/comptes").get_data(as_text=True)
    assert "À donner" in listing and f"/gp/comptes/{yesterday['shift'].id}" in listing
    page = browser.get(f"/gp/comptes/{yesterday['shift'].id}").get_data(as_text=True)
    assert 'name="sent_by_15"' in page and 'value="2"' in page  # two live bookings, the cancelled one not counted
    response = browser.post(f"/gp/comptes/{yesterday['shift'].id}", data={"patients_seen": "9", "sent_by_15": "2"})
    assert response.status_code == 302
    count = db.session.scalar(select(GardeCount))
    assert (count.patients_seen, count.sent_by_15, count.entered_by_id) == (9, 2, None)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "garde_count.save"))
    assert event.details["by_coordination"] is False
    assert "Aucun compte en attente" in browser.get("/gp/comptes").get_data(as_text=True)


@pytest.mark.parametrize(
    "data,field,message",
    [
        ({"patients_seen": "3", "sent_by_15": "5"}, "sent_by_15", "Ne peut pas dépasser le nombre de patients vus."),
        ({"patients_seen": "", "sent_by_15": "0"}, "patients_seen", "Indiquez un nombre entier (0 si aucun)."),
        ({"patients_seen": "douze", "sent_by_15": "0"}, "patients_seen", "Indiquez un nombre entier (0 si aucun)."),
        ({"patients_seen": "-1", "sent_by_15": "0"}, "patients_seen", "Indiquez un nombre entier (0 si aucun)."),
    ],
)
def test_gp_count_errors_next_to_the_field_keep_what_was_typed(app, yesterday, data, field, message):
    browser = login(app, "medecin1@test.fr")
    response = browser.post(f"/gp/comptes/{yesterday['shift'].id}", data=data | {"comment": "RAS"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'<p class="error" id="{field}-err">{message}</p>' in page
    assert "RAS</textarea>" in page
    assert db.session.scalar(select(func.count(GardeCount.id))) == 0


def test_a_garde_not_begun_or_of_another_gp_has_no_count(app, territory, yesterday):
    numbered_gp(territory, 3)
    other = login(app, "medecin3@test.fr")
    assert other.get(f"/gp/comptes/{yesterday['shift'].id}").status_code == 404
    gp1 = login(app, "medecin1@test.fr")
    publish_version(
        yesterday["future"].period, [(yesterday["shift"], yesterday["gp1"]), (yesterday["future"], yesterday["gp1"])]
    )
    response = gp1.post(f"/gp/comptes/{yesterday['future'].id}", data={"patients_seen": "1", "sent_by_15": "0"})
    assert response.status_code == 302 and db.session.scalar(select(func.count(GardeCount.id))) == 0


def test_coordination_corrects_a_count_and_the_log_says_so(client, login_as, yesterday):
    user = login_as("coordinator")
    shift, gp = yesterday["shift"], yesterday["gp1"]
    db.session.add(GardeCount(shift_id=shift.id, gp_id=gp.id, patients_seen=4, sent_by_15=1))
    db.session.commit()
    month = shift.date.isoformat()[:7]
    listing = client.get(f"/coordination/rapports/comptes?mois={month}").get_data(as_text=True)
    assert "manquant" in listing and "Corriger" in listing  # GP 2's is missing, GP 1's can be corrected
    response = client.post(
        f"/coordination/rapports/comptes/{shift.id}/{gp.id}", data={"patients_seen": "6", "sent_by_15": "2"}
    )
    assert response.status_code == 302
    count = db.session.scalar(select(GardeCount))
    assert (count.patients_seen, count.entered_by_id) == (6, user.id)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "garde_count.save"))
    assert event.details["before"] == [4, 1] and event.details["by_coordination"] is True


def test_count_reminder_goes_once_the_next_morning_by_mail_and_sms(app, yesterday):
    yesterday["gp2"].sms_opt_in = True
    db.session.add(GardeCount(shift_id=yesterday["shift"].id, gp_id=yesterday["gp1"].id, patients_seen=3, sent_by_15=2))
    db.session.commit()
    use_app(app)
    morning = datetime.combine(yesterday["day"] + timedelta(days=1), time(8), tzinfo=PARIS)
    assert garde_count_reminders(now=morning) == 1
    assert garde_count_reminders(now=morning) == 0
    (mail,) = db.session.scalars(select(OutboxEmail).where(OutboxEmail.kind == "garde_count_reminder")).all()
    assert mail.to_addr == "medecin2@test.fr" and f"/gp/comptes/{yesterday['shift'].id}" in mail.body_text
    (sms,) = db.session.scalars(select(OutboxSms)).all()
    assert sms.to_phone == "+33612345678" and "combien de patients" in sms.body


def test_dashboard_shows_the_collection_the_uncovered_gardes_and_the_charts(client, login_as, territory, yesterday):
    login_as("coordinator")
    add_templates(territory.sites[0])
    start = date.today() + timedelta(days=40)
    open_period(territory, start, start + timedelta(days=6), utcnow() + timedelta(days=2, hours=3), "période test")
    page = client.get("/coordination/").get_data(as_text=True)
    assert "Recueil en cours : période test" in page
    assert "0 %</strong> de réponses (0 médecin(s) sur 2)" in page
    assert "2 j 2 h</strong> avant la date limite" in page or "2 j 3 h</strong> avant la date limite" in page
    assert "Relancer les non-répondants (2)" in page
    assert "Gardes non pourvues des 4 prochaines semaines" in page
    assert "Aucun médecin ne peut la prendre" in page or "pourrai(en)t la prendre" in page  # the future garde
    assert '<title id="couverture-t">Couverture des gardes par cabinet et par mois</title>' in page
    assert '<desc id="heures-d">' in page and "Charge par médecin sur 12 mois" in page


def test_reminder_button_confirms_then_sends_once_an_hour(client, login_as, territory, yesterday):
    coordinator = login_as("coordinator")
    add_templates(territory.sites[0])
    start = date.today() + timedelta(days=40)
    period = open_period(territory, start, start + timedelta(days=6), utcnow() + timedelta(days=5), "période test")
    confirm = client.get(f"/coordination/periodes/{period.id}/relancer").get_data(as_text=True)
    assert "2 médecin(s)" in confirm and "Confirmer la relance" in confirm
    assert db.session.scalar(select(func.count(OutboxEmail.id))) == 0  # nothing before the confirmation
    client.post(f"/coordination/periodes/{period.id}/relancer")
    assert db.session.scalar(select(func.count(OutboxEmail.id)).where(OutboxEmail.kind == "availability_reminder")) == 2
    page = client.post(f"/coordination/periodes/{period.id}/relancer", follow_redirects=True).get_data(as_text=True)
    assert "moins d'une heure" in html.unescape(page)
    assert db.session.scalar(select(func.count(OutboxEmail.id)).where(OutboxEmail.kind == "availability_reminder")) == 2
    later = utcnow() + dashboard.REMIND_AGAIN_AFTER + timedelta(minutes=1)
    assert dashboard.remind_unanswered(period, coordinator, later) == 2  # an hour later, allowed again


def test_reports_page_downloads_and_a_bad_month(client, login_as, yesterday):
    login_as("coordinator")
    month = yesterday["day"].isoformat()[:7]
    page = client.get(f"/coordination/rapports?mois={month}")
    assert page.status_code == 200 and "Télécharger le PDF (A4)" in page.get_data(as_text=True)
    csv = client.get(f"/coordination/rapports/rapport.csv?mois={month}")
    assert csv.mimetype == "text/csv" and csv.get_data(as_text=True).startswith("\ufeffCabinet de garde;Gardes prévues")
    pdf = client.get(f"/coordination/rapports/rapport.pdf?mois={month}")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    bad = client.get("/coordination/rapports?mois=2027-13")
    assert bad.status_code == 400 and "Mois invalide" in bad.get_data(as_text=True)
    assert client.get("/coordination/rapports/rapport.pdf?mois=mars").status_code == 400
