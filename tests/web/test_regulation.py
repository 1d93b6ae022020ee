"""The regulators' daily page: sites, GPs, créneaux free / booked / past, booking and cancelling by form."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from sched.extensions import db
from sched.i18n import zone
from sched.models import AuditEvent, ConsultationSlot, SlotBooking, UserRole, utcnow
from sched.regulation import views
from sched.services import listcache, slots
from sched.services.accounts import create_user
from tests.factories import PASSWORD, add_gp, publish_day


def local_today() -> date:
    return utcnow().astimezone(zone()).date()


@pytest.fixture
def regulator(login_as):
    return login_as("regulator")


@pytest.fixture
def tomorrow_day(territory):
    """Tomorrow 18:00–20:00 at the territory's site with two GPs: 2 × 6 créneaux of 20 minutes."""
    day = local_today() + timedelta(days=1)
    gps = [add_gp(territory, "Martin"), add_gp(territory, "Bernard")]
    version = publish_day(territory, day, {territory.sites[0]: gps})
    return day, version, gps


def slots_of(gp_id: int) -> list[ConsultationSlot]:
    return list(
        db.session.scalars(
            select(ConsultationSlot).where(ConsultationSlot.gp_id == gp_id).order_by(ConsultationSlot.starts_at)
        )
    )


def test_page_lists_site_phone_gps_and_free_slots(client, regulator, tomorrow_day):
    day, _, gps = tomorrow_day
    html = client.get(f"/regulation/?date={day.isoformat()}").get_data(as_text=True)
    assert "Cabinet de garde Test" in html
    assert "1 place d&#39;Armes, 57000 Metz" in html
    assert 'href="tel:+33387000000"' in html and "03 87 00 00 00" in html
    assert "Dr Médecin Martin" in html and "Dr Médecin Bernard" in html
    assert "garde 18:00 – 20:00" in html
    assert html.count('class="slot free"') == 12
    assert "12 créneaux libres" in html
    assert "Mis à jour à" in html and "Actualiser" in html


def test_today_is_the_default_and_tomorrow_is_one_click_away(client, regulator, tomorrow_day):
    html = client.get("/regulation/").get_data(as_text=True)
    assert '<span class="badge ok">aujourd\'hui</span>' in html
    assert f'href="/regulation/?date={(local_today() + timedelta(days=1)).isoformat()}"' in html


def test_day_without_garde_says_so_and_offers_the_next_open_day(client, regulator, tomorrow_day):
    day, _, _ = tomorrow_day
    html = client.get(f"/regulation/?date={(day - timedelta(days=3)).isoformat()}").get_data(as_text=True)
    assert "Aucun cabinet de garde ouvert le" in html
    assert "Aucun planning prévu pour ce jour." in html  # no period covers it
    assert f"/regulation/?date={day.isoformat()}" in html
    assert "Prochain jour ouvert" in html


def test_an_empty_day_says_holiday_or_not_yet_published(client, regulator, territory, tomorrow_day):
    from tests.factories import add_period, add_shift

    html = client.get("/regulation/?date=2027-12-25").get_data(as_text=True)
    assert "Jour férié (Noël)." in html and "PDSA" in html
    period = add_period(territory, date(2027, 3, 1), date(2027, 3, 31), "mars 2027")
    add_shift(period, territory.sites[0], date(2027, 3, 2), time(18), time(20))
    db.session.commit()
    html = client.get("/regulation/?date=2027-03-02").get_data(as_text=True)
    assert "Planning pas encore publié." in html and "« mars 2027 »" in html
    assert "Jour férié" not in html
    # A published planning with no garde that day (the day after tomorrow_day's one-day period is not covered).
    day = tomorrow_day[0]
    html = client.get(f"/regulation/?date={day.isoformat()}").get_data(as_text=True)
    assert "Aucun cabinet de garde ouvert" not in html


def test_after_the_last_garde_of_the_day_the_page_opens_on_the_next_open_day(client, regulator, territory, monkeypatch):
    """At 20:30 today's list is all past: the page shows the next open day, and says so."""
    today = local_today()
    gp = add_gp(territory, "Ce Soir")
    publish_day(territory, today, {territory.sites[0]: [gp]})
    later = today + timedelta(days=3)
    publish_day(territory, later, {territory.sites[0]: [add_gp(territory, "Plus Tard")]})
    evening = datetime.combine(today, time(20, 30), tzinfo=zone()).astimezone(UTC)
    monkeypatch.setattr(views, "utcnow", lambda: evening)
    monkeypatch.setattr(slots, "utcnow", lambda: evening)
    html = client.get("/regulation/").get_data(as_text=True)
    assert "Les gardes d'aujourd'hui sont terminées (la dernière à 20:00)" in html
    assert "Dr Médecin Plus Tard" in html and "Dr Médecin Ce Soir" not in html
    assert f'href="/regulation/?date={today.isoformat()}"' in html  # today's list stays one click away
    assert "Dr Médecin Ce Soir" in client.get(f"/regulation/?date={today.isoformat()}").get_data(as_text=True)
    # Before the garde ends, today it is.
    afternoon = evening - timedelta(hours=3)
    monkeypatch.setattr(views, "utcnow", lambda: afternoon)
    monkeypatch.setattr(slots, "utcnow", lambda: afternoon)
    html = client.get("/regulation/").get_data(as_text=True)
    assert "Dr Médecin Ce Soir" in html and "sont terminées" not in html


def test_invalid_date_falls_back_to_today_with_a_message(client, regulator):
    html = client.get("/regulation/?date=2027-13-45").get_data(as_text=True)
    assert "Date invalide" in html


def test_past_slots_are_marked_and_cannot_be_booked(client, regulator, territory):
    gp = add_gp(territory, "Passé")
    publish_day(territory, local_today() - timedelta(days=1), {territory.sites[0]: [gp]})
    html = client.get(f"/regulation/?date={(local_today() - timedelta(days=1)).isoformat()}").get_data(as_text=True)
    assert html.count('class="slot past"') == 6 and 'class="slot free"' not in html
    slot = slots_of(gp.id)[0]
    response = client.post(f"/regulation/creneaux/{slot.id}/reserver", data={"regulation_ref": "R-1"})
    assert response.status_code == 302
    assert "passé" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(select(func.count(SlotBooking.id))) == 0


def test_book_by_form_then_the_slot_shows_booked_with_the_file_number(client, regulator, tomorrow_day):
    day, _, gps = tomorrow_day
    slot = slots_of(gps[0].id)[1]
    form = client.get(f"/regulation/creneaux/{slot.id}/reserver").get_data(as_text=True)
    assert "Numéro de dossier de régulation" in form and "Tranche d&#39;âge" in form
    response = client.post(
        f"/regulation/creneaux/{slot.id}/reserver",
        data={"regulation_ref": "2027-015/4411", "initials": "j.d", "age_band": "65-79"},
    )
    # Back on the list at the message (regulation.js focuses it), the form's cursor was in the file number.
    assert focused_field(form) == "regulation_ref"
    assert response.status_code == 302 and response.headers["Location"].endswith("#messages")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<div class="flashes" id="messages" role="status" aria-live="polite" tabindex="-1">' in html
    assert "réservé au Cabinet de garde Test" in html
    assert "dossier n° 2027-015/4411 · JD · 65 à 79 ans" in html
    assert html.count('class="slot free"') == 11
    booking = db.session.scalar(select(SlotBooking))
    assert (booking.regulation_ref, booking.initials, booking.age_band, booking.booked_by_id) == (
        "2027-015/4411",
        "JD",
        "65-79",
        regulator.id,
    )
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "booking.create"))


@pytest.mark.parametrize(
    "data,message",
    [
        ({"regulation_ref": ""}, "Le numéro de dossier de régulation est obligatoire."),
        ({"regulation_ref": "abc def"}, "Numéro de dossier invalide"),
        ({"regulation_ref": "X" * 41}, "Numéro de dossier invalide"),
        ({"regulation_ref": "R1", "initials": "J3"}, "Initiales : 1 à 4 lettres"),
        ({"regulation_ref": "R1", "initials": "ABCDE"}, "Initiales : 1 à 4 lettres"),
        ({"regulation_ref": "R1", "age_band": "120+"}, "Tranche d&#39;âge inconnue."),
    ],
)
def test_invalid_booking_shows_the_error_next_to_the_field_and_keeps_input(
    client, regulator, tomorrow_day, data, message
):
    slot = slots_of(tomorrow_day[2][0].id)[0]
    response = client.post(f"/regulation/creneaux/{slot.id}/reserver", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code in (200, 422)
    assert message in html and 'class="error"' in html
    if data.get("initials"):
        assert f'value="{data["initials"]}"' in html
    assert focused_field(html) == message_field(message)  # the cursor goes to the field in error
    assert db.session.scalar(select(func.count(SlotBooking.id))) == 0


def focused_field(html: str) -> str | None:
    """The id of the field that has `autofocus`."""
    tags = [tag for tag in re.findall(r"<(?:input|select|textarea)[^>]*>", html) if " autofocus" in tag]
    return re.search(r'\sid="([^"]+)"', tags[0]).group(1) if len(tags) == 1 else None


def message_field(message: str) -> str:
    return "initials" if "Initiales" in message else "age_band" if "Tranche" in message else "regulation_ref"


def test_free_and_booked_slots_say_what_they_show_first(client, regulator, tomorrow_day):
    """The accessible name starts with the visible text (« 18:00 libre »); « Annuler » is a button-sized link."""
    day, _, gps = tomorrow_day
    slot = slots_of(gps[0].id)[0]
    client.post(f"/regulation/creneaux/{slot.id}/reserver", data={"regulation_ref": "N-1"})
    html = client.get(f"/regulation/?date={day.isoformat()}").get_data(as_text=True)
    assert not re.search(r'class="(slot free|button slot-cancel)[^>]*aria-label', html)
    assert re.search(
        r'class="slot free"[^>]*>18:20 <span>libre</span><span class="visually-hidden"> : réserver avec '
        r"Dr Médecin (Martin|Bernard), Cabinet de garde Test</span></a>",
        html,
    )
    assert re.search(
        r'<a class="button slot-cancel no-print"[^>]*>Annuler<span class="visually-hidden"> la réservation du '
        r"dossier n° N-1</span></a>",
        html,
    )


def test_second_booking_of_the_same_slot_is_refused(client, regulator, tomorrow_day):
    slot = slots_of(tomorrow_day[2][0].id)[0]
    client.post(f"/regulation/creneaux/{slot.id}/reserver", data={"regulation_ref": "A1"})
    response = client.post(f"/regulation/creneaux/{slot.id}/reserver", data={"regulation_ref": "B2"})
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ce créneau vient d&#39;être réservé par un autre régulateur." in html
    assert list(db.session.scalars(select(SlotBooking.regulation_ref))) == ["A1"]


def test_cancel_needs_a_reason_then_frees_the_slot(client, regulator, tomorrow_day):
    day, _, gps = tomorrow_day
    slot = slots_of(gps[0].id)[0]
    client.post(f"/regulation/creneaux/{slot.id}/reserver", data={"regulation_ref": "C-3"})
    booking = db.session.scalar(select(SlotBooking))
    response = client.post(f"/regulation/reservations/{booking.id}/annuler", data={"reason": "  "})
    assert "Indiquez le motif de l&#39;annulation." in response.get_data(as_text=True)
    db.session.refresh(booking)
    assert booking.cancelled_at is None
    response = client.post(
        f"/regulation/reservations/{booking.id}/annuler", data={"reason": "Patient orienté ailleurs"}
    )
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "de nouveau libre" in html and html.count('class="slot free"') == 12
    db.session.refresh(booking)
    assert booking.cancel_reason == "Patient orienté ailleurs" and booking.cancelled_by_id == regulator.id


def test_fragment_is_the_list_alone_in_a_page_of_its_own(client, regulator, tomorrow_day):
    html = client.get(f"/regulation/liste?date={tomorrow_day[0].isoformat()}").get_data(as_text=True)
    assert 'class="slot free"' in html and "Mis à jour à" in html
    # A page a browser or a screen reader can open: language, title, main landmark, heading…
    assert '<html lang="fr">' in html and "<main" in html
    assert re.search(r"<title>Liste du \w+ \d+", html) and "<h1>Cabinets de garde du" in html
    # …but the list alone: no menu, no form, nobody's name, no CSRF token (it is shared, see below).
    assert "site-header" not in html and "csrf_token" not in html and "<form" not in html
    assert html.count('id="daily-list"') == 1
    assert client.get("/regulation/liste?date=nope").status_code == 400


def test_other_territorys_slots_are_not_found(client, regulator, app):
    from sched.models import Territory
    from tests.factories import add_site

    other = Territory(name="CPTS Ailleurs", department="54")
    db.session.add(other)
    site = add_site(other, "Cabinet lointain")
    gp = add_gp(other, "Lointain")
    day = local_today() + timedelta(days=1)
    publish_day(other, day, {site: [gp]})
    slot = slots_of(gp.id)[0]
    assert "Cabinet lointain" not in client.get(f"/regulation/?date={day.isoformat()}").get_data(as_text=True)
    assert client.get(f"/regulation/creneaux/{slot.id}/reserver").status_code == 404
    assert client.post(f"/regulation/creneaux/{slot.id}/reserver", data={"regulation_ref": "Z"}).status_code == 404


def test_list_shown_again_after_booking_and_cancelling_is_never_stale(client, regulator, tomorrow_day):
    """The rendered list is shared between requests: a booking or a cancellation must show at once."""
    day, _, gps = tomorrow_day
    url = f"/regulation/liste?date={day.isoformat()}"
    assert client.get(url).get_data(as_text=True).count('class="slot free"') == 12
    slot = slots_of(gps[0].id)[0]
    client.post(f"/regulation/creneaux/{slot.id}/reserver", data={"regulation_ref": "FRESH-1"})
    assert "dossier n° FRESH-1" in client.get(url).get_data(as_text=True)
    booking = db.session.scalar(select(SlotBooking))
    client.post(f"/regulation/reservations/{booking.id}/annuler", data={"reason": "Erreur de saisie"})
    html = client.get(url).get_data(as_text=True)
    assert "FRESH-1" not in html and html.count('class="slot free"') == 12


@pytest.fixture(autouse=True)
def empty_list_cache():
    listcache.lists.clear()


def test_only_the_list_is_shared_each_regulator_gets_their_own_frame(
    app, client, regulator, territory, tomorrow_day, monkeypatch
):
    """The list is kept for the territory; the page around it never shows another regulator's name or token."""
    day, _, gps = tomorrow_day
    now = utcnow()
    monkeypatch.setattr(slots, "utcnow", lambda: now)  # one minute of the cache's key for the whole test
    url = f"/regulation/?date={day.isoformat()}"
    other = create_user("autre.regulation@test.fr", "Régulatrice Seconde", ["regulator"], PASSWORD, territory)
    db.session.commit()
    second = app.test_client()
    assert second.post("/connexion", data={"email": other.email, "password": PASSWORD}).status_code == 302
    token = re.compile(r'name="csrf_token" value="([^"]+)"')
    for _ in range(2):  # the second round reads the kept list
        mine, theirs = (c.get(url).get_data(as_text=True) for c in (client, second))
        assert regulator.full_name in mine and other.full_name not in mine
        assert other.full_name in theirs and regulator.full_name not in theirs
        assert token.search(mine).group(1) != token.search(theirs).group(1)
    assert len(listcache.lists) == 1  # one list for both, no page per user
    (kept,) = (v.decode() for v in listcache.lists.values())
    assert "dossier" not in kept and 'class="slot free"' in kept  # the list itself…
    assert regulator.full_name not in kept and other.full_name not in kept  # …and nobody's frame
    slot = slots_of(gps[0].id)[0]
    second.post(f"/regulation/creneaux/{slot.id}/reserver", data={"regulation_ref": "PAGE-1"})
    assert "dossier n° PAGE-1" in client.get(url).get_data(as_text=True)
    assert "dossier n° PAGE-1" in second.get(url).get_data(as_text=True)


def test_the_role_guard_runs_before_a_kept_list_is_served(client, regulator, tomorrow_day):
    """Another browser with the same cookie, a deactivated account, a lost role: refused though the list is kept."""
    day, _, _ = tomorrow_day
    url = f"/regulation/?date={day.isoformat()}"

    def login_and_keep_the_list() -> None:
        assert client.post("/connexion", data={"email": regulator.email, "password": PASSWORD}).status_code == 302
        for _ in range(2):
            assert client.get(url).status_code == 200
        assert len(listcache.lists) >= 1

    login_and_keep_the_list()
    stolen = client.get(url, headers={"User-Agent": "Another browser/1.0"})  # same cookie, other browser
    assert stolen.status_code == 302 and "/connexion" in stolen.location

    login_and_keep_the_list()
    regulator.active = False
    db.session.commit()
    assert client.get(url).status_code == 302
    assert client.get(f"/regulation/liste?date={day.isoformat()}").status_code == 302
    regulator.active = True
    db.session.commit()

    login_and_keep_the_list()
    regulator.roles = [UserRole(role="gp")]
    db.session.commit()
    assert client.get(url).status_code == 403
    assert client.get(f"/regulation/liste?date={day.isoformat()}").status_code == 403


def test_the_page_clock_speaks_the_territorys_time_zone(client, regulator, territory):
    """The page's live clock uses the territory's zone, the one its times were written in."""
    territory.timezone = "America/Cayenne"
    db.session.commit()
    html = client.get("/regulation/").get_data(as_text=True)
    assert 'data-zone="America/Cayenne"' in html  # regulation.js formats the clock in it
    now = utcnow().astimezone(ZoneInfo("America/Cayenne"))
    assert f'<strong id="clock" data-zone="America/Cayenne">{now:%H}:' in html


def test_the_regulation_blueprint_has_one_before_request_the_role_guard(app):
    """Nothing runs ahead of the guard, whatever the import order of the blueprint's modules."""
    assert len(app.before_request_funcs["regulation"]) == 1
