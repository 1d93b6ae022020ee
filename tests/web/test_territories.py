"""Territories created on the instance: the command, the checks, and an overseas CPTS living in its own zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy import select

from sched.extensions import db
from sched.models import AuditEvent, OutboxEmail, Period, Territory, User
from sched.services.periods import generate_shifts, public_holidays
from tests.factories import PASSWORD, add_gp, add_period, add_site, add_templates, make_user, publish_day, shifts_of


def create(runner, *args: str):
    return runner.invoke(args=["create-territory", *args])


def reunion(runner) -> Territory:
    result = create(runner, "CPTS Sud Réunion", "--timezone", "Indian/Reunion", "--subdivision", "RE")
    assert result.exit_code == 0, result.output
    return db.session.scalar(select(Territory).where(Territory.name == "CPTS Sud Réunion"))


def test_create_territory_reads_the_subdivision_alias_and_takes_the_department_from_it(runner):
    territory = reunion(runner)
    assert (territory.timezone, territory.subdivision, territory.department) == ("Indian/Reunion", "974", "974")
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "territory.create")) is not None


def test_bad_territories_exit_non_zero_with_one_readable_line_and_create_nothing(runner, territory):
    cases = {
        ("CPTS X", "--timezone", "Europe/Metz", "--department", "57"): "fuseau horaire inconnu",
        ("CPTS X", "--subdivision", "Bretagne"): "subdivision inconnue",
        ("CPTS X",): "indiquez le département",
        ("CPTS X", "--department", "5x7"): "numéro de département invalide",
        (territory.name, "--department", "57"): "une CPTS porte déjà ce nom",
    }
    for args, message in cases.items():
        result = create(runner, *args)
        assert result.exit_code != 0, args
        assert message in result.output and result.output.count("\n") == 1, result.output
    assert db.session.scalars(select(Territory.name)).all() == [territory.name]


def test_a_reunion_period_has_its_gardes_at_18_h_reunion_time_and_its_own_holidays(runner):
    territory = reunion(runner)
    site = add_site(territory, "Cabinet de garde de Saint-Pierre", postal_code="97410", city="Saint-Pierre")
    add_templates(site)
    period = Period(
        territory=territory, name="Décembre 2027", start_date=date(2027, 12, 13), end_date=date(2027, 12, 24)
    )
    db.session.add(period)
    db.session.flush()
    generate_shifts(period, territory)
    shifts = shifts_of(period)
    # 18:00 in Réunion (UTC+4, no summer time) is 14:00 UTC.
    first = shifts[0]
    assert first.starts_at.astimezone(UTC).replace(tzinfo=None) == datetime(2027, 12, 13, 14, 0)
    # 20 December, « Abolition de l'esclavage », is a holiday in Réunion only.
    assert date(2027, 12, 20) in public_holidays(territory, date(2027, 12, 1), date(2027, 12, 31))
    days = {shift.starts_at.astimezone(UTC).date() for shift in shifts}
    assert date(2027, 12, 20) not in days and date(2027, 12, 21) in days


def test_the_reunion_regulators_list_speaks_reunion_time_and_sees_nothing_of_metz(runner, client, territory):
    metz_gp = add_gp(territory, "Metz")
    publish_day(territory, date(2027, 12, 21), {territory.sites[0]: [metz_gp]})
    south = reunion(runner)
    site = add_site(south, "Cabinet de garde de Saint-Pierre", postal_code="97410", city="Saint-Pierre")
    gp = add_gp(south, "Payet")
    publish_day(south, date(2027, 12, 21), {site: [gp]}, start=time(18), end=time(20))
    regulator = make_user(south, "regulator", "regulation@reunion.test")
    client.post("/connexion", data={"email": regulator.email, "password": PASSWORD})
    html = client.get("/regulation/?date=2027-12-21").get_data(as_text=True)
    assert "Médecin Payet" in html and "Médecin Metz" not in html
    assert "18:00" in html and "14:00" not in html


def territory_form(**changes) -> dict:
    data = {
        "name": "CPTS Centre Martinique",
        "timezone": "America/Martinique",
        "subdivision": "972",
        "department": "",
        "finess": "",
        "ars_email": "",
        "funded_hours_month": "",
    }
    data.update(changes)
    return data


def test_the_platform_creates_a_territory_and_invites_its_administrator(client, login_as):
    login_as("platform")
    response = client.post("/plateforme/territoires/nouveau", data=territory_form())
    assert response.status_code == 302
    created = db.session.scalar(select(Territory).where(Territory.name == "CPTS Centre Martinique"))
    assert (created.timezone, created.subdivision, created.department) == ("America/Martinique", "972", "972")
    page = client.get("/plateforme/").get_data(as_text=True)
    assert "CPTS Centre Martinique" in page and "America/Martinique" in page
    invited = client.post(
        f"/plateforme/territoires/{created.id}/inviter", data={"full_name": "Dr Admin", "email": "admin@mq.test"}
    )
    assert invited.status_code == 302
    admin = db.session.scalar(select(User).where(User.email == "admin@mq.test"))
    assert admin.territory_id == created.id and admin.role_names == ["admin"]
    message = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to_addr == "admin@mq.test"))
    assert "/invitation/" in message.body_text


def test_a_refused_territory_keeps_what_was_typed_and_writes_nothing(client, login_as, territory):
    login_as("platform")
    response = client.post(
        "/plateforme/territoires/nouveau",
        data=territory_form(name=territory.name, timezone="Mars/Olympus", subdivision="", department="x"),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Choisissez une valeur de la liste." in page
    response = client.post("/plateforme/territoires/nouveau", data=territory_form(name=territory.name))
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Une CPTS porte déjà ce nom" in page
    assert 'selected value="America/Martinique"' in page
    assert db.session.scalars(select(Territory.name)).all() == [territory.name]


def test_a_territory_with_periods_keeps_its_time_zone(client, login_as, territory):
    add_period(territory, date(2027, 3, 1), date(2027, 3, 31))
    login_as("platform")
    data = territory_form(name=territory.name, timezone="Indian/Reunion", subdivision="", department="57")
    response = client.post(f"/plateforme/territoires/{territory.id}", data=data)
    assert response.status_code == 400
    assert "le fuseau horaire ne peut plus changer" in response.get_data(as_text=True).lower()
    db.session.refresh(territory)
    assert territory.timezone == "Europe/Paris"


def test_a_territory_admin_cannot_grant_the_platform_role(client, login_as, territory):
    login_as("admin")
    response = client.post(
        "/admin/comptes/inviter", data={"full_name": "X", "email": "x@test.fr", "roles": ["platform"]}
    )
    assert response.status_code == 400
    assert db.session.scalar(select(User).where(User.email == "x@test.fr")) is None
