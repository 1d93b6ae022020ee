"""Isolation between territories: every route of every role, called by territory B's people with the ids of
territory A's objects (its period, garde, GP, site, template, créneau, booking, absence, replacement request,
API token, account), answers « not found » or « refused » and changes nothing of A."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from sched.extensions import db
from sched.models import (
    Absence,
    ApiToken,
    AuditEvent,
    ConsultationSlot,
    RosterVersion,
    Shift,
    SlotBooking,
    SwapRequest,
    Territory,
    utcnow,
)
from sched.services import offers
from sched.services.tokens import new_secret
from tests.factories import add_gp, add_site, add_templates, bearer, create_token, make_user, publish_day

# The blueprint each role of a territory uses (the platform role sees every territory by design).
BLUEPRINT_OF = {"gp": "gp", "coordinator": "coordination", "regulator": "regulation", "admin": "admin"}


@pytest.fixture
def neighbour(app):
    """Territory A, « CPTS Voisine », with one object of every kind a route can name; returns their ids."""
    place = Territory(name="CPTS Voisine", department="54", timezone="Europe/Paris")
    db.session.add(place)
    site = add_site(place, "Cabinet de garde de Nancy", postal_code="54000", city="Nancy")
    add_templates(site)
    gp = add_gp(place, "Voisin")
    day = utcnow().date() + timedelta(days=3)
    version = publish_day(place, day, {site: [gp]})
    shift = db.session.scalar(select(Shift).where(Shift.period_id == version.period_id))
    slot = db.session.scalar(select(ConsultationSlot).where(ConsultationSlot.shift_id == shift.id))
    regulator = make_user(place, "regulator", "regulation@voisine.test")
    booking = SlotBooking(slot_id=slot.id, regulation_ref="DR-A-1", booked_by_id=regulator.id)
    absence = Absence(gp=gp, start_date=day + timedelta(days=10), end_date=day + timedelta(days=12))
    request = offers.offer(shift, gp, "Formation", None)
    token = ApiToken(user_id=regulator.id, name="Logiciel A", token_hash=new_secret()[1])
    db.session.add_all([booking, absence, token])
    db.session.commit()
    return {
        "period_id": version.period_id,
        "shift_id": shift.id,
        "gp_id": gp.id,
        "site_id": site.id,
        "template_id": site.templates[0].id,
        "slot_id": slot.id,
        "booking_id": booking.id,
        "absence_id": absence.id,
        "request_id": request.id,
        "token_id": token.id,
        "user_id": regulator.id,
    }


def state_of_a() -> tuple:
    """What a leak that writes would change: A's bookings, requests, absences, tokens, versions, the audit log."""
    return (
        db.session.scalar(select(func.count(AuditEvent.id))),
        db.session.execute(select(SlotBooking.id, SlotBooking.cancelled_at)).all(),
        db.session.execute(select(SwapRequest.id, SwapRequest.state, SwapRequest.to_gp_id)).all(),
        db.session.execute(select(Absence.id, Absence.start_date, Absence.end_date)).all(),
        db.session.execute(select(ApiToken.id, ApiToken.revoked_at)).all(),
        db.session.execute(select(RosterVersion.id, RosterVersion.published_at)).all(),
    )


@pytest.mark.parametrize("role", sorted(BLUEPRINT_OF))
def test_territory_b_reaches_nothing_of_territory_a(app, client, login_as, neighbour, role):
    login_as(role)
    before = state_of_a()
    tried = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] != BLUEPRINT_OF[role] or not rule.arguments:
            continue
        assert rule.arguments <= set(neighbour), f"{rule.rule}: say which object of A its arguments name"
        path = rule.build({name: neighbour[name] for name in rule.arguments}, append_unknown=False)[1]
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            response = client.open(path, method=method)
            assert response.status_code in (403, 404), f"{method} {path} as {role} of B: {response.status_code}"
            tried += 1
    assert tried >= 3
    db.session.expire_all()
    assert state_of_a() == before


def test_the_api_of_territory_b_cannot_cancel_a_booking_of_a(client, runner, territory, neighbour):
    make_user(territory, "regulator", "regulation@b.test")
    headers = bearer(create_token(runner, "regulation@b.test"))
    response = client.delete(f"/api/v1/bookings/{neighbour['booking_id']}", headers=headers)
    assert response.status_code == 404 and response.is_json
    assert db.session.get(SlotBooking, neighbour["booking_id"]).cancelled_at is None
    listing = client.get(f"/api/v1/daily?date={(utcnow().date() + timedelta(days=3)).isoformat()}", headers=headers)
    assert "Voisin" not in listing.get_data(as_text=True)


def test_a_token_of_a_is_not_listed_nor_revocable_by_the_admin_of_b(client, login_as, neighbour):
    login_as("admin")
    assert "Logiciel A" not in client.get("/admin/jetons").get_data(as_text=True)
    assert client.post(f"/admin/jetons/{neighbour['token_id']}/revoquer").status_code == 404
    assert db.session.get(ApiToken, neighbour["token_id"]).revoked_at is None
