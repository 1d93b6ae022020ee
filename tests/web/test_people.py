"""One person, several CPTS: one login (e-mail, password), an account per territory, a switch between them, the
other CPTS's periods and gardes on « Mes gardes », one calendar feed; the RPPS stays one person's."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from sched.extensions import db
from sched.models import GP, ApiToken, AuditEvent, Person, Territory, User, utcnow
from sched.services import accounts, feed_tokens, outbox
from tests.factories import (
    PASSWORD,
    add_site,
    add_templates,
    luhn_digit,
    make_period,
    make_user,
    open_period,
    publish_day,
)
from tests.inbox import Inbox, text_of

RPPS = "1000000001" + str(luhn_digit("1000000001"))


@pytest.fixture
def reunion(app) -> Territory:
    """A second CPTS, in Réunion (UTC+4), with its cabinet."""
    place = Territory(name="CPTS Sud Réunion", department="974", timezone="Indian/Reunion", subdivision="974")
    db.session.add(place)
    site = add_site(place, "Cabinet de garde de Saint-Pierre", postal_code="97410", city="Saint-Pierre")
    add_templates(site)
    db.session.commit()
    return place


@pytest.fixture
def neighbour(app) -> Territory:
    """A CPTS next door, on the same clock as Metz (the same evening hours can collide)."""
    place = Territory(name="CPTS Voisine", department="54", timezone="Europe/Paris")
    db.session.add(place)
    add_site(place, "Cabinet de garde de Nancy", postal_code="54000", city="Nancy")
    db.session.commit()
    return place


def colleague_in(place: Territory) -> GP:
    """Another GP of `place`, collegue@test.fr, in its cabinets."""
    user = make_user(place, "coordinator", "collegue@test.fr")
    gp = GP(user=user, rpps="1000000003" + str(luhn_digit("1000000003")), sites=list(place.sites))
    db.session.add(gp)
    return gp


def join(place: Territory, email: str, rpps: str = RPPS) -> GP:
    """The CPTS `place` takes `email` on as a GP (what its coordination's invitation form does)."""
    from sched.services.directory import create_gp

    gp = create_gp(place, "Docteur Double", email, rpps, "+33612345678", list(place.sites))
    db.session.commit()
    return gp


def login(client, email: str = "gp@test.fr", password: str = PASSWORD):
    return client.post("/connexion", data={"email": email, "password": password})


def test_a_second_cpts_adds_an_account_to_the_same_person(client, territory, reunion, smtp_server: Inbox):
    metz = make_user(territory, "gp", rpps=RPPS)
    gp_b = join(reunion, "GP@test.fr")
    assert db.session.scalar(select(func.count()).select_from(Person)) == 1
    assert gp_b.user.person_id == metz.person_id and gp_b.user.territory_id == reunion.id
    assert gp_b.rpps == metz.gp.rpps
    # The invitation tells them to log in as usual: no password link, their password stays theirs.
    assert outbox.flush() == (1, 0)
    (message,) = smtp_server.to("gp@test.fr")
    body = text_of(message)
    assert "CPTS Sud Réunion" in body and "même mot de passe" in body
    assert "/invitation/" not in body and "/connexion" in body
    assert login(client).status_code == 302


def test_the_header_switches_between_the_persons_accounts(client, territory, reunion):
    make_user(territory, "gp", rpps=RPPS)
    gp_b = join(reunion, "gp@test.fr")
    login(client)
    home = client.get("/gp/").get_data(as_text=True)
    assert 'id="switch-account"' in home and "CPTS Sud Réunion" in home
    response = client.post("/compte/cpts", data={"account": gp_b.user.id})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Vous êtes maintenant dans CPTS Sud Réunion" in page
    assert "Planning des soins non programmés — CPTS · CPTS Sud Réunion" in page
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.switch")).object_id == str(
        gp_b.user.id
    )


def test_an_account_of_someone_else_cannot_be_switched_to(client, territory, reunion):
    make_user(territory, "gp", rpps=RPPS)
    other = make_user(reunion, "regulator", "regulation@reunion.test")
    login(client)
    response = client.post("/compte/cpts", data={"account": other.id}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "ne fait pas partie de vos comptes" in page
    assert "CPTS · CPTS Test" in page and "Régulation" not in page.split("<main")[0]
    assert client.get("/regulation/").status_code == 403


def test_a_deactivated_account_leaves_the_other_cpts_open(client, territory, reunion):
    metz = make_user(territory, "gp", rpps=RPPS)
    gp_b = join(reunion, "gp@test.fr")
    metz.active = False
    db.session.commit()
    response = login(client)
    assert response.status_code == 302
    assert "CPTS Sud Réunion" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="switch-account"' not in client.get("/gp/").get_data(as_text=True)
    assert client.post("/compte/cpts", data={"account": metz.id}).status_code == 303
    assert "CPTS · CPTS Sud Réunion" in client.get("/gp/").get_data(as_text=True)
    assert gp_b.user.active


def test_mes_gardes_shows_the_other_cpts_periods_and_gardes_in_its_own_time(client, territory, reunion):
    metz = make_user(territory, "gp", rpps=RPPS)
    gp_b = join(reunion, "gp@test.fr")
    deadline = utcnow() + timedelta(days=5)
    first = date.today() + timedelta(days=20)
    open_period(reunion, first, first + timedelta(days=27), deadline, "Saison cyclonique")
    open_period(territory, first, first + timedelta(days=27), deadline, "Mars à Metz")
    day = utcnow().date() + timedelta(days=3)
    publish_day(reunion, day, {reunion.sites[0]: [gp_b]})
    login(client)
    page = client.get("/gp/").get_data(as_text=True)
    others = page.split('id="others-title"')[1].split("</section>")[0]
    assert "CPTS Sud Réunion" in others and "Saison cyclonique" in others and "Mars à Metz" not in others
    # The Réunion garde at 18:00 Réunion time (14:00 UTC, 15:00 in Metz in winter) is shown at 18:00.
    assert "18:00–20:00 · Cabinet de garde de Saint-Pierre" in others
    local_deadline = deadline.astimezone(__import__("zoneinfo").ZoneInfo("Indian/Reunion"))
    assert f"à {local_deadline:%H:%M} (heure de la CPTS)" in others
    assert "Passer à CPTS Sud Réunion" in others
    # The Metz grid stays Metz's: the Réunion period is not answered from here.
    assert "Saison cyclonique" not in page.split('id="others-title"')[0]
    assert metz.gp.id != gp_b.id


def test_the_calendar_feed_holds_the_gardes_of_every_cpts_each_in_its_zone(client, territory, reunion):
    metz = make_user(territory, "gp", rpps=RPPS)
    gp_b = join(reunion, "gp@test.fr")
    day = utcnow().date() + timedelta(days=3)
    publish_day(territory, day, {territory.sites[0]: [metz.gp]})
    publish_day(reunion, day + timedelta(days=1), {reunion.sites[0]: [gp_b]})
    url = feed_tokens.feed_url(feed_tokens.gp_token(metz.gp))
    db.session.commit()
    text = client.get(url.split("localhost", 1)[-1]).get_data(as_text=True).replace("\r\n ", "")
    assert text.count("BEGIN:VEVENT") == 2
    assert "TZID:Europe/Paris" in text and "TZID:Indian/Reunion" in text
    assert f"DTSTART;TZID=Indian/Reunion:{day + timedelta(days=1):%Y%m%d}T180000" in text
    assert f"DTSTART;TZID=Europe/Paris:{day:%Y%m%d}T180000" in text
    assert "(CPTS Sud Réunion)" in text and "(CPTS Test)" in text


def test_an_rpps_stays_one_persons(client, territory, reunion):
    make_user(territory, "gp", rpps=RPPS)
    other_rpps = "1000000002" + str(luhn_digit("1000000002"))
    login_as_coordinator = make_user(reunion, "coordinator", "coord@reunion.test")
    client.post("/connexion", data={"email": login_as_coordinator.email, "password": PASSWORD})
    form = {"first_name": "Jean", "last_name": "Autre", "phone": "0612345678", "site_ids": [reunion.sites[0].id]}
    # Someone else with gp@test.fr's RPPS: refused next to the RPPS field, nothing written.
    page = client.post("/coordination/medecins/inviter", data=form | {"email": "autre@test.fr", "rpps": RPPS})
    assert page.status_code == 422
    assert "est celui d&#39;un autre médecin de la plateforme" in page.get_data(as_text=True)
    # gp@test.fr with another RPPS than theirs: refused too.
    page = client.post("/coordination/medecins/inviter", data=form | {"email": "gp@test.fr", "rpps": other_rpps})
    assert page.status_code == 422
    assert f"déjà inscrit avec le RPPS {RPPS}" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User).where(User.territory_id == reunion.id)) == 1
    # gp@test.fr with their own RPPS: welcome.
    response = client.post("/coordination/medecins/inviter", data=form | {"email": "gp@test.fr", "rpps": RPPS})
    assert response.status_code == 302
    assert "déjà un compte sur la plateforme" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_an_existing_account_in_the_same_cpts_is_refused(territory):
    make_user(territory, "gp", rpps=RPPS)
    with pytest.raises(accounts.AccountError, match="un compte existe déjà"):
        accounts.create_user("gp@test.fr", "Doublon", ["regulator"], None, territory)


def test_a_password_change_ends_the_sessions_of_every_account(app, territory, reunion):
    make_user(territory, "gp", rpps=RPPS)
    join(reunion, "gp@test.fr")
    elsewhere = app.test_client()
    assert login(elsewhere).status_code == 302
    here = app.test_client()
    login(here)
    changed = here.post(
        "/gp/profil/mot-de-passe",
        data={"current": PASSWORD, "new": "un autre mot de passe", "confirm": "un autre mot de passe"},
    )
    assert changed.status_code == 302
    assert elsewhere.get("/gp/").status_code == 302  # back to the login page
    assert here.get("/gp/").status_code == 200
    assert login(app.test_client(), password="un autre mot de passe").status_code == 302


def test_login_opens_the_account_used_last(client, territory, reunion):
    make_user(territory, "gp", rpps=RPPS)
    gp_b = join(reunion, "gp@test.fr")
    login(client)
    client.post("/compte/cpts", data={"account": gp_b.user.id})
    client.post("/deconnexion")
    response = login(client)
    assert "CPTS · CPTS Sud Réunion" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_the_command_line_asks_which_cpts_when_the_address_has_several(runner, territory, reunion):
    make_user(territory, "regulator", "gp@test.fr")
    accounts.create_user("gp@test.fr", "Régulateur des deux", ["regulator"], None, reunion)
    db.session.commit()
    result = runner.invoke(args=["create-token", "--email", "gp@test.fr"])
    assert result.exit_code != 0 and "précisez --territory" in result.output
    result = runner.invoke(args=["create-token", "--email", "gp@test.fr", "--territory", "CPTS Sud Réunion"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(ApiToken.user_id)) == accounts.account_by_email("gp@test.fr", "CPTS Sud Réunion").id


def test_one_feed_url_for_a_gp_in_several_cpts(runner, territory, reunion):
    metz = make_user(territory, "gp", rpps=RPPS)
    join(reunion, "gp@test.fr")
    result = runner.invoke(args=["feed-url", "gp@test.fr"])
    assert result.exit_code == 0 and "/ical/gp/" in result.output
    assert feed_tokens.find(result.output.strip().rsplit("/", 1)[1].removesuffix(".ics"), "gp").gp_id == metz.gp.id


def test_a_garde_in_the_other_cpts_makes_the_gp_unavailable_at_that_time(territory, neighbour):
    from sched.models import Availability
    from sched.services.scheduling import gp_key, problem_from_db, shift_key

    metz = make_user(territory, "gp", rpps=RPPS)
    there = join(neighbour, "gp@test.fr")
    day = utcnow().date() + timedelta(days=10)
    publish_day(neighbour, day, {neighbour.sites[0]: [there]})  # 18:00–20:00 in Nancy
    period = make_period(territory, day, 2)
    same_time, next_day = sorted(period.shifts, key=lambda s: s.starts_at)
    db.session.add_all([Availability(gp_id=metz.gp.id, shift_id=s.id, level="available") for s in period.shifts])
    db.session.commit()
    availability = next(g for g in problem_from_db(period)["gps"] if g["id"] == gp_key(metz.gp.id))
    assert shift_key(next_day.id) in availability["availability"]
    assert shift_key(same_time.id) not in availability["availability"]


def test_in_one_cpts_the_other_cpts_objects_stay_out_of_reach(client, territory, reunion):
    """Logged into Réunion, the person's own Metz garde is not reachable by its id: a session is one account."""
    metz = make_user(territory, "gp", rpps=RPPS)
    gp_b = join(reunion, "gp@test.fr")
    day = utcnow().date() + timedelta(days=3)
    version = publish_day(territory, day, {territory.sites[0]: [metz.gp]})
    shift_id = version.assignments[0].shift_id
    login(client)
    assert client.get(f"/gp/gardes/{shift_id}/agenda.ics").status_code == 200
    client.post("/compte/cpts", data={"account": gp_b.user.id})
    assert client.get(f"/gp/gardes/{shift_id}/agenda.ics").status_code == 404
    assert client.get(f"/gp/gardes/{shift_id}/proposer").status_code == 404


def test_a_colleagues_garde_at_an_hour_taken_in_the_other_cpts_is_refused(territory, neighbour):
    from sched.services import eligibility

    metz = make_user(territory, "gp", rpps=RPPS)
    there = join(neighbour, "gp@test.fr")
    colleague_gp = colleague_in(territory)
    day = utcnow().date() + timedelta(days=10)
    publish_day(neighbour, day, {neighbour.sites[0]: [there]})
    version = publish_day(territory, day, {territory.sites[0]: [colleague_gp]})
    shift = version.assignments[0].shift
    assert eligibility.refusal(shift, metz.gp) == "Utilisateur gp est de garde dans une autre CPTS à cette heure-là."
    assert metz.gp.id not in {c.gp.id for c in eligibility.candidates(shift)}
    # The next day, free in both: eligible.
    later = publish_day(territory, day + timedelta(days=1), {territory.sites[0]: [colleague_gp]})
    assert eligibility.refusal(later.assignments[0].shift, metz.gp) is None


def test_replace_and_absence_pick_the_profile_of_the_right_cpts(runner, territory, reunion):
    metz = make_user(territory, "gp", rpps=RPPS)
    gp_b = join(reunion, "gp@test.fr")
    colleague_in(reunion)  # collegue@test.fr takes the Réunion garde
    day = utcnow().date() + timedelta(days=6)
    version = publish_day(reunion, day, {reunion.sites[0]: [gp_b]})
    shift_id = version.assignments[0].shift_id
    # The Réunion garde: --from by address finds the Réunion profile, not the Metz one.
    result = runner.invoke(args=["replace", str(shift_id), "--from", "gp@test.fr", "--to", "collegue@test.fr"])
    assert result.exit_code == 0, result.output
    # An absence by address is ambiguous: the command asks for the GP's id and names both CPTS.
    result = runner.invoke(args=["absence", "add", "gp@test.fr", "--start", str(day), "--end", str(day)])
    assert result.exit_code != 0
    assert f"{metz.gp.id} : CPTS Test, {gp_b.id} : CPTS Sud Réunion" in result.output
    result = runner.invoke(args=["absence", "add", str(gp_b.id), "--start", str(day), "--end", str(day)])
    assert result.exit_code == 0, result.output
