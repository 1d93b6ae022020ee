"""The coordination's side of life after publication: one-step replacement, approvals, deactivation, absences."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from sched.extensions import db
from sched.models import Absence, Availability, OutboxEmail, RosterVersion, SwapRequest
from sched.services import offers, slots
from sched.services.rosters import published_version
from tests.web.market_support import build_market


@pytest.fixture
def market(territory):
    return build_market(territory)


def gp_ids_on(market, shift) -> set[int]:
    return {a.gp_id for a in published_version(market.period).assignments if a.shift_id == shift.id}


def test_one_step_replacement_lists_the_ranked_gps_with_answer_and_load(client, login_as, market):
    login_as("coordinator")
    a_shift, gps = market.shift_of("a"), market.gps
    db.session.add(Availability(gp_id=gps["c"].id, shift_id=a_shift.id, level="preferred"))
    db.session.commit()
    html = client.get(f"/coordination/remplacements/garde/{a_shift.id}?gp={gps['a'].id}").get_data(as_text=True)
    assert html.index("Remplacer par Dr D") < html.index("Remplacer par Dr C") < html.index("Remplacer par Dr B")
    assert "Préféré" in html and "2 h" in html and "Planning publié" in html
    response = client.post(
        f"/coordination/remplacements/garde/{a_shift.id}?gp={gps['a'].id}", data={"to_gp_id": gps["c"].id}
    )
    assert response.status_code == 302
    assert gp_ids_on(market, a_shift) == {gps["c"].id} and published_version(market.period).number == 2


def test_one_step_replacement_refuses_an_ineligible_gp_and_keeps_the_reason(client, login_as, market):
    login_as("coordinator")
    a_shift, gps = market.shift_of("a"), market.gps
    gps["b"].max_shifts = 1
    db.session.commit()
    response = client.post(
        f"/coordination/remplacements/garde/{a_shift.id}?gp={gps['a'].id}",
        data={"to_gp_id": gps["b"].id, "reason": "appel de 7 h"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Dr B a déjà 1 garde sur la période (maximum 1)." in html
    assert 'value="appel de 7 h"' in html
    assert db.session.scalar(select(func.count(RosterVersion.id))) == 1


def test_leaving_a_garde_uncovered_tells_the_regulators(client, login_as, market):
    market.territory.regulators_email = "samu57@test.fr"
    db.session.commit()
    login_as("coordinator")
    a_shift, gps = market.shift_of("a"), market.gps
    client.post(f"/coordination/remplacements/garde/{a_shift.id}?gp={gps['a'].id}", data={"to_gp_id": ""})
    assert gp_ids_on(market, a_shift) == set()
    body = db.session.scalar(select(OutboxEmail.body_text).where(OutboxEmail.to_addr == "samu57@test.fr"))
    assert "Plus aucun médecin n'assure la garde" in body


def test_the_coordination_approves_a_taken_offer_from_its_list(client, login_as, market):
    login_as("coordinator")
    request = offers.offer(market.shift_of("a"), market.gps["a"], "grippe", None)
    db.session.commit()
    offers.take(request, market.gps["d"])
    home = client.get("/coordination/").get_data(as_text=True)
    assert "Remplacements" in home and 'badge warn">1<' in home
    page = client.get("/coordination/remplacements").get_data(as_text=True)
    assert "Dr D reprend la garde" in page and "Valider et publier" in page
    client.post(f"/coordination/remplacements/{request.id}/valider")
    db.session.refresh(request)
    assert request.state == "approved" and gp_ids_on(market, market.shift_of("a")) == {market.gps["d"].id}


def test_deactivating_a_gp_with_future_gardes_asks_what_to_do(client, login_as, market):
    login_as("coordinator")
    gps = market.gps
    response = client.post(f"/coordination/medecins/{gps['a'].id}/activation")
    assert response.headers["Location"].endswith(f"/coordination/medecins/{gps['a'].id}/desactiver")
    db.session.refresh(gps["a"])
    assert gps["a"].active
    page = client.get(f"/coordination/medecins/{gps['a'].id}/desactiver").get_data(as_text=True)
    assert "Remplacer par Dr D" in page
    client.post(
        f"/coordination/medecins/{gps['a'].id}/desactiver", data={f"garde-{market.shift_of('a').id}": "replace"}
    )
    db.session.refresh(gps["a"])
    assert not gps["a"].active and gp_ids_on(market, market.shift_of("a")) == {gps["d"].id}


def test_deactivating_leaving_gardes_uncovered(client, login_as, market):
    login_as("coordinator")
    b = market.gps["b"]
    client.post(f"/coordination/medecins/{b.id}/desactiver", data={f"garde-{market.shift_of('b').id}": "uncovered"})
    db.session.refresh(b)
    assert not b.active and gp_ids_on(market, market.shift_of("b")) == set()
    listed = slots.daily_list(market.territory.id, market.shift_of("b").date)
    assert [c.name for site in listed.sites for s in site.shifts for c in s.gps] == []


def test_the_coordination_declares_an_absence_for_a_gp(client, login_as, market):
    login_as("coordinator")
    a_shift = market.shift_of("a")
    response = client.post(
        f"/coordination/medecins/{market.gps['a'].id}/absences",
        data={"start": a_shift.date.isoformat(), "end": (a_shift.date + timedelta(days=1)).isoformat()},
    )
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(Absence.id))) == 1
    assert db.session.scalar(select(SwapRequest.shift_id)) == a_shift.id
    bad = client.post(f"/coordination/medecins/{market.gps['a'].id}/absences", data={"start": "pas une date"})
    assert "Date invalide" in bad.get_data(as_text=True)


def test_another_territorys_garde_is_not_found(client, login_as, market):
    from sched.models import Territory

    other = Territory(name="Autre CPTS", department="54", timezone="Europe/Paris")
    db.session.add(other)
    db.session.commit()
    user = login_as("coordinator")
    user.territory_id = other.id
    db.session.commit()
    assert (
        client.get(f"/coordination/remplacements/garde/{market.shift_of('a').id}?gp={market.gps['a'].id}").status_code
        == 404
    )


def test_the_admin_cannot_deactivate_a_gp_who_still_has_gardes(client, login_as, market):
    login_as("admin")
    user = market.gps["a"].user
    response = client.post(f"/admin/comptes/{user.id}", data={"roles": ["gp"]})
    assert response.status_code == 200
    assert "a encore 1 garde(s) publiée(s)" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.active


def test_a_garde_already_begun_cannot_be_left_uncovered(client, login_as, market):
    login_as("coordinator")
    a_shift, gps = market.shift_of("a"), market.gps
    a_shift.starts_at -= timedelta(days=30)
    a_shift.ends_at -= timedelta(days=30)
    db.session.commit()
    response = client.post(f"/coordination/remplacements/garde/{a_shift.id}?gp={gps['a'].id}", data={"to_gp_id": ""})
    assert response.status_code == 200 and "commencée ou passée" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(RosterVersion.id))) == 1
