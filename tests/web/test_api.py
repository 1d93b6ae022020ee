"""JSON API v1 for the regulators' software: Bearer tokens, the daily list, bookings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from sched.extensions import db
from sched.i18n import zone
from sched.models import ApiToken, SlotBooking, utcnow
from tests.factories import add_gp, bearer, first_slot_id, make_user, publish_day


@pytest.fixture
def day(territory):
    day = utcnow().astimezone(zone()).date() + timedelta(days=1)
    gp = add_gp(territory, "Durand")
    publish_day(territory, day, {territory.sites[0]: [gp]})
    return day


def test_create_token_prints_it_once_and_stores_only_its_hash(runner, territory, token):
    stored = db.session.scalar(select(ApiToken))
    assert stored.token_hash != token and len(stored.token_hash) == 64
    assert stored.user.email == "regul@test.fr"


def test_create_token_refuses_unknown_and_non_regulator_accounts(runner, territory):
    make_user(territory, "gp", "doc@test.fr")
    unknown = runner.invoke(args=["create-token", "--email", "nobody@test.fr"])
    gp = runner.invoke(args=["create-token", "--email", "doc@test.fr"])
    assert unknown.exit_code == 1 and "aucun compte" in unknown.output
    assert gp.exit_code == 1 and "n'est pas un compte de régulation" in gp.output
    assert db.session.scalar(select(func.count(ApiToken.id))) == 0


def error_message(response) -> str:
    """The JSON API's `error`, or FHIR's OperationOutcome diagnostics (/fhir answers in FHIR)."""
    body = response.get_json(force=True)
    if body.get("resourceType") == "OperationOutcome":
        return body["issue"][0]["diagnostics"]
    assert body["status"] == response.status_code
    return body["error"]


@pytest.mark.parametrize("path", ["/api/v1/daily", "/fhir/Slot", "/fhir/Schedule"])
def test_without_a_valid_token_401_json(client, token, path):
    for headers in ({}, bearer("wrong"), {"Authorization": f"Basic {token}"}):
        response = client.get(path, headers=headers)
        assert response.status_code == 401
        assert "Jeton" in error_message(response)


@pytest.mark.parametrize("path", ["/api/v1/daily", "/fhir/Slot"])
def test_token_of_a_non_regulator_is_403(client, runner, territory, path):
    from sched.models import ApiToken as Token
    from sched.services.tokens import new_secret

    user = make_user(territory, "coordinator")
    raw, digest = new_secret()
    db.session.add(Token(user_id=user.id, name="x", token_hash=digest))
    db.session.commit()
    response = client.get(path, headers=bearer(raw))
    assert response.status_code == 403 and "régulation" in error_message(response)


def test_revoked_token_is_refused(client, token, login_as):
    assert client.get("/api/v1/daily", headers=bearer(token)).status_code == 200
    login_as("admin")
    stored = db.session.scalar(select(ApiToken))
    assert "Révoquer" in client.get("/admin/jetons").get_data(as_text=True)
    client.post(f"/admin/jetons/{stored.id}/revoquer")
    assert client.get("/api/v1/daily", headers=bearer(token)).status_code == 401
    db.session.refresh(stored)
    assert stored.revoked_at is not None and stored.last_used_at is not None


def test_daily_has_the_page_content_with_slot_ids_and_statuses(client, token, day):
    data = client.get(f"/api/v1/daily?date={day.isoformat()}", headers=bearer(token)).json
    assert data["date"] == day.isoformat() and data["free_slots"] == 6
    site = data["sites"][0]
    assert (site["name"], site["phone"], site["address"]) == (
        "Cabinet de garde Test",
        "+33387000000",
        "1 place d'Armes, 57000 Metz",
    )
    shift = site["shifts"][0]
    assert shift["start"] == f"{day.isoformat()}T18:00:00+01:00"
    gp = shift["gps"][0]
    assert gp["name"] == "Médecin Durand" and gp["removed"] is False
    assert [s["status"] for s in gp["slots"]] == ["free"] * 6
    assert gp["slots"][1]["start"].endswith("T18:20:00+01:00") and isinstance(gp["slots"][1]["id"], int)


def test_daily_bad_date_is_400_json(client, token):
    response = client.get("/api/v1/daily?date=04/01/2027", headers=bearer(token))
    assert response.status_code == 400 and "AAAA-MM-JJ" in response.json["error"]


def test_book_201_then_409_then_cancel(client, token, day):
    slot_id = first_slot_id()
    body = {"slot_id": slot_id, "regulation_ref": "SAS-57-0042", "initials": "ab", "age_band": "2-17"}
    created = client.post("/api/v1/bookings", json=body, headers=bearer(token))
    assert created.status_code == 201
    assert created.json["regulation_ref"] == "SAS-57-0042" and created.json["initials"] == "AB"
    taken = client.post("/api/v1/bookings", json=body | {"regulation_ref": "OTHER"}, headers=bearer(token))
    assert taken.status_code == 409 and "vient d'être réservé" in taken.json["error"]
    daily = client.get(f"/api/v1/daily?date={day.isoformat()}", headers=bearer(token)).json
    slot = daily["sites"][0]["shifts"][0]["gps"][0]["slots"][0]
    assert slot["status"] == "booked" and slot["booking"]["regulation_ref"] == "SAS-57-0042"
    deleted = client.delete(f"/api/v1/bookings/{created.json['id']}", headers=bearer(token))
    assert deleted.status_code == 200
    assert db.session.scalar(select(SlotBooking.cancel_reason)) == "Annulée par le logiciel de régulation"
    again = client.post("/api/v1/bookings", json=body, headers=bearer(token))
    assert again.status_code == 201
    assert client.delete("/api/v1/bookings/999999", headers=bearer(token)).status_code == 404


@pytest.mark.parametrize(
    "body,status,field",
    [
        ("not json", 400, None),
        ({"slot_id": "1", "regulation_ref": "R"}, 422, "slot_id"),
        ({"slot_id": 0, "regulation_ref": ""}, 422, "regulation_ref"),
        ({"slot_id": 0, "regulation_ref": "R 1"}, 422, "regulation_ref"),
        ({"slot_id": 0, "regulation_ref": "R1", "initials": "12"}, 422, "initials"),
        ({"slot_id": 0, "regulation_ref": "R1", "age_band": "adult"}, 422, "age_band"),
    ],
)
def test_invalid_booking_requests_get_a_json_message(client, token, day, body, status, field):
    if isinstance(body, dict) and body.get("slot_id") == 0:
        body["slot_id"] = first_slot_id()
    if isinstance(body, str):
        response = client.post("/api/v1/bookings", data=body, headers=bearer(token))
    else:
        response = client.post("/api/v1/bookings", json=body, headers=bearer(token))
    assert response.status_code == status
    assert response.json["error"] and response.json.get("field") == field
    assert db.session.scalar(select(func.count(SlotBooking.id))) == 0


def test_unknown_slot_is_404(client, token, day):
    response = client.post("/api/v1/bookings", json={"slot_id": 999999, "regulation_ref": "R1"}, headers=bearer(token))
    assert response.status_code == 404 and response.json["status"] == 404
