"""A GP answers for a period: grid, quick fills, atomic save, deadline, shifts of other periods refused."""

from __future__ import annotations

import re
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from sched.extensions import db
from sched.models import (
    AuditEvent,
    Availability,
    AvailabilityAnswer,
    Period,
    Site,
    Territory,
    utcnow,
)
from sched.services import availability as av
from tests.factories import add_templates, make_user, open_period, shifts_of

PARIS = ZoneInfo("Europe/Paris")
PENDING_SHOWN = 'id="pending">'  # the « Pas encore enregistré » notice, not hidden


@pytest.fixture
def period(territory) -> Period:
    """February 2027 (no public holiday), collecting until a deadline ten days from now."""
    add_templates(territory.sites[0])
    return open_period(territory, date(2027, 2, 1), date(2027, 2, 28), utcnow() + timedelta(days=10), "février 2027")


def levels_in_db(gp_id: int) -> dict[int, str]:
    return {a.shift_id: a.level for a in db.session.scalars(select(Availability).where(Availability.gp_id == gp_id))}


def checked(html: str, shift_id: int) -> str:
    match = re.search(rf'name="shift-{shift_id}" value="(\w+)"\s+class="[^"]*" checked', html)
    return match.group(1) if match else ""


def test_grid_groups_shifts_by_week_with_named_radio_groups(client, login_as, period):
    user = login_as("gp")
    html = client.get(f"/gp/disponibilites/{period.id}").get_data(as_text=True)
    assert "Semaine du 1er au 7 février" in html
    assert "Semaine du 22 au 28 février" in html
    assert "Garde du mardi 2 février, 18:00 – 20:00" in html
    assert "Garde du samedi 6 février, 09:00 – 13:00" in html
    first = shifts_of(period)[0]
    assert checked(html, first.id) == "unavailable"
    for label in ("Indisponible", "Disponible", "Préféré"):
        assert f'<label for="s{first.id}-' in html and label in html
    assert "Tous les mardis soir" in html and "Tous les samedis matin" in html and "Tous les lundis soir" in html
    assert "Pas encore répondu" in html
    assert 'id="pending" hidden>' in html and PENDING_SHOWN not in html
    assert user.gp is not None


def test_saving_replaces_rows_records_answer_and_shows_the_time(client, login_as, period):
    user = login_as("gp")
    shifts = shifts_of(period)
    data = {f"shift-{shifts[0].id}": "available", f"shift-{shifts[1].id}": "preferred", "max_per_week": "2"}
    data |= {"comment": "Pas le 14, merci.", "save": "1"}
    response = client.post(f"/gp/disponibilites/{period.id}", data=data, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Disponibilités enregistrées le " in html and "disponible pour 2 gardes, dont 1 préférée" in html
    assert levels_in_db(user.gp.id) == {shifts[0].id: "available", shifts[1].id: "preferred"}
    answer = db.session.scalar(select(AvailabilityAnswer).where(AvailabilityAnswer.gp_id == user.gp.id))
    assert (answer.max_per_week, answer.max_shifts, answer.comment) == (2, None, "Pas le 14, merci.")
    assert checked(html, shifts[1].id) == "preferred"

    # Coming back and changing it replaces the answer (one row per GP and period, old choices gone).
    data = {f"shift-{shifts[2].id}": "available", "max_per_week": "", "save": "1"}
    client.post(f"/gp/disponibilites/{period.id}", data=data)
    assert levels_in_db(user.gp.id) == {shifts[2].id: "available"}
    assert db.session.scalar(select(func.count(AvailabilityAnswer.id))) == 1
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "availability.save")).all()
    assert len(audit) == 2 and audit[-1].actor_id == user.id


def test_nothing_this_month_is_an_answer(client, login_as, period):
    user = login_as("gp")
    shifts = shifts_of(period)
    response = client.post(
        f"/gp/disponibilites/{period.id}",
        data={f"shift-{shifts[0].id}": "available", "fill": "nothing"},
        follow_redirects=True,
    )
    assert "aucune garde sur cette période" in response.get_data(as_text=True)
    assert levels_in_db(user.gp.id) == {}
    assert db.session.scalar(select(AvailabilityAnswer).where(AvailabilityAnswer.gp_id == user.gp.id))
    home = client.get("/gp/").get_data(as_text=True)
    assert "répondu" in home and "pas encore répondu" not in home


def test_weekday_fill_prefills_without_saving(client, login_as, period):
    user = login_as("gp")
    shifts = shifts_of(period)
    tuesdays = [s for s in shifts if s.date.weekday() == 1]
    monday = next(s for s in shifts if s.date.weekday() == 0)
    data = {f"shift-{monday.id}": "preferred", f"shift-{tuesdays[0].id}": "preferred", "fill": "day-1-soir"}
    html = client.post(f"/gp/disponibilites/{period.id}", data=data).get_data(as_text=True)
    assert PENDING_SHOWN in html
    assert [checked(html, s.id) for s in tuesdays] == ["preferred"] + ["available"] * (len(tuesdays) - 1)
    assert checked(html, monday.id) == "preferred"
    assert levels_in_db(user.gp.id) == {}
    assert db.session.scalar(select(AvailabilityAnswer.id)) is None


def test_like_previous_period_maps_weekday_site_and_hours(client, login_as, period, territory):
    user = login_as("gp")
    january = open_period(territory, date(2027, 1, 4), date(2027, 1, 31), utcnow() - timedelta(days=1), "janvier")
    jan_shifts = shifts_of(january)
    wednesdays = [s for s in jan_shifts if s.date.weekday() == 2]
    saturdays = [s for s in jan_shifts if s.date.weekday() == 5]
    for shift in wednesdays:
        db.session.add(Availability(gp_id=user.gp.id, shift_id=shift.id, level="available"))
    for shift in saturdays[:3]:
        db.session.add(Availability(gp_id=user.gp.id, shift_id=shift.id, level="preferred"))
    db.session.add(AvailabilityAnswer(gp_id=user.gp.id, period_id=january.id))
    db.session.commit()

    levels = av.levels_like_previous(period, user.gp, av.answerable_shifts(period, user.gp))
    feb = {s.id: s for s in shifts_of(period)}
    assert {feb[i].date.weekday() for i, level in levels.items() if level == "available"} == {2}
    assert {feb[i].date.weekday() for i, level in levels.items() if level == "preferred"} == {5}
    assert len(levels) == 4 + 4  # every Wednesday and Saturday of February 2027

    html = client.post(f"/gp/disponibilites/{period.id}", data={"fill": "previous"}).get_data(as_text=True)
    assert PENDING_SHOWN in html
    wednesday = next(s for s in feb.values() if s.date.weekday() == 2)
    assert checked(html, wednesday.id) == "available"


def test_limits_prefilled_from_profile_and_validated_in_french(client, login_as, period):
    user = login_as("gp")
    user.gp.max_shifts, user.gp.max_saturdays = 5, 1
    db.session.commit()
    html = client.get(f"/gp/disponibilites/{period.id}").get_data(as_text=True)
    assert re.search(r'id="max_shifts"[^>]*value="5"', html)
    assert re.search(r'id="max_saturdays"[^>]*value="1"', html)

    shift = shifts_of(period)[0]
    data = {f"shift-{shift.id}": "available", "max_shifts": "-1", "max_per_week": "deux", "save": "1"}
    response = client.post(f"/gp/disponibilites/{period.id}", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    # Each error twice: in the summary at the top (a link to the field) and next to the field.
    assert html.count("Indiquez un nombre entier positif ou nul") == 4
    summary = html.split('id="error-summary"')[1].split("</div>")[0]
    assert "2 champs à corriger" in summary
    assert 'href="#max_shifts"' in summary and 'href="#max_per_week"' in summary
    assert html.index('id="error-summary"') < html.index('id="grid-title"') < html.index('id="max_shifts-err"')
    assert 'value="deux"' in html and checked(html, shift.id) == "available"
    assert levels_in_db(user.gp.id) == {} and db.session.scalar(select(AvailabilityAnswer.id)) is None


def test_shift_of_another_period_or_territory_is_refused_and_nothing_saved(client, login_as, period, territory):
    user = login_as("gp")
    mine = shifts_of(period)[0]
    march = open_period(territory, date(2027, 3, 1), date(2027, 3, 7), utcnow() + timedelta(days=3), "mars")
    other_territory = Territory(name="Autre CPTS", department="54")
    other_site = Site(
        territory=other_territory,
        name="Ailleurs",
        address="1 rue",
        postal_code="54000",
        city="Nancy",
        phone="+33383000000",
    )
    db.session.add(other_site)
    add_templates(other_site)
    foreign = open_period(other_territory, date(2027, 2, 1), date(2027, 2, 7), utcnow() + timedelta(days=3), "x")
    for intruder in (shifts_of(march)[0].id, shifts_of(foreign)[0].id, 99999, "abc"):
        data = {f"shift-{mine.id}": "available", f"shift-{intruder}": "available", "save": "1"}
        response = client.post(f"/gp/disponibilites/{period.id}", data=data)
        assert response.status_code == 400, intruder
        assert "rien n&#39;a été enregistré" in response.get_data(as_text=True)
    response = client.post(f"/gp/disponibilites/{period.id}", data={f"shift-{mine.id}": "maybe", "save": "1"})
    assert response.status_code == 400
    assert levels_in_db(user.gp.id) == {} and db.session.scalar(select(AvailabilityAnswer.id)) is None
    # A period of another territory does not exist for this GP.
    assert client.get(f"/gp/disponibilites/{foreign.id}").status_code == 404


def test_after_the_deadline_the_page_is_read_only_and_a_post_is_refused(client, login_as, period):
    user = login_as("gp")
    shift = shifts_of(period)[0]
    client.post(f"/gp/disponibilites/{period.id}", data={f"shift-{shift.id}": "preferred", "save": "1"})
    period.deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    html = client.get(f"/gp/disponibilites/{period.id}").get_data(as_text=True)
    assert "Lecture seule" in html and "La date limite de réponse" in html
    assert 'type="radio"' not in html and "Enregistrer mes disponibilités" not in html
    assert "Préféré" in html
    response = client.post(f"/gp/disponibilites/{period.id}", data={"fill": "nothing"})
    assert response.status_code == 409
    assert "date limite de réponse est passée" in response.get_data(as_text=True)
    assert levels_in_db(user.gp.id) == {shift.id: "preferred"}


def test_service_refuses_closed_period_and_unknown_shift(app, territory, period):
    user = make_user(territory, "gp")
    shift = shifts_of(period)[0]
    with pytest.raises(av.UnknownShift):
        av.save_answer(period, user.gp, {shift.id + 100000: "available"}, av.Limits(), None)
    period.state = "solving"
    with pytest.raises(av.AnswerClosed):
        av.save_answer(period, user.gp, {shift.id: "available"}, av.Limits(), None)
    db.session.rollback()
    assert levels_in_db(user.gp.id) == {}


def test_only_shifts_at_the_gps_sites_are_offered(client, login_as, period, territory):
    second = Site(territory=territory, name="Cabinet de garde Bis", address="2 rue", postal_code="57000", city="Metz",
                  phone="+33387000001")  # fmt: skip
    db.session.add(second)
    add_templates(second)
    late = open_period(territory, date(2027, 4, 5), date(2027, 4, 11), utcnow() + timedelta(days=3), "avril")
    user = login_as("gp")
    user.gp.sites = [second]
    db.session.commit()
    html = client.get(f"/gp/disponibilites/{late.id}").get_data(as_text=True)
    assert "Cabinet de garde Bis" in html and "· Cabinet de garde Test" not in html
    test_site_shift = next(s for s in shifts_of(late) if s.site_id != second.id)
    response = client.post(f"/gp/disponibilites/{late.id}", data={f"shift-{test_site_shift.id}": "available"})
    assert response.status_code == 400
