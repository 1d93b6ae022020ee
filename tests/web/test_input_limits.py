"""Input the database cannot hold gets a 4xx with a French message, never a 500 (on SQLite and PostgreSQL):
ids of 2^63 and more in URLs and JSON, year-1 FHIR dates, NUL characters, CSV files that are not CSV."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import func, select

from sched.extensions import db
from sched.models import GP, Period
from tests.factories import GOOD_CSV, bearer, create_token, gp_count, make_user

HUGE = ["2147483648", "9223372036854775807", "9223372036854775808", "99999999999999999999", "18446744073709551616"]


@pytest.fixture
def token(runner, territory) -> str:
    make_user(territory, "regulator", "regul@test.fr")
    return create_token(runner, "regul@test.fr")


@pytest.mark.parametrize("number", HUGE)
def test_huge_ids_in_urls_are_404(client, login_as, number):
    login_as("coordinator")
    for url in (f"/coordination/periodes/{number}", f"/coordination/periodes/{number}/reponses"):
        response = client.get(url)
        assert response.status_code == 404 and "Cette page n&#39;existe pas" in response.get_data(as_text=True)


def test_largest_id_is_still_a_plain_404(client, login_as):
    from sched.inputs import MAX_ID

    login_as("coordinator")
    assert client.get(f"/coordination/periodes/{MAX_ID}").status_code == 404


def test_huge_ids_in_the_api_are_4xx_json(client, token):
    for slot_id in (2**31, 2**63, 2**64, -(2**63) - 1, 0, True, "12"):
        response = client.post(
            "/api/v1/bookings", headers=bearer(token),
            json={"slot_id": slot_id, "regulation_ref": "R-1", "initials": "JD", "age_band": "18-64"},
        )  # fmt: skip
        assert response.status_code == 422, slot_id
        assert response.get_json()["field"] == "slot_id" and "identifiant" in response.get_json()["error"]
    deleted = client.delete(f"/api/v1/bookings/{2**64}", headers=bearer(token))
    assert deleted.status_code == 404 and deleted.get_json()["error"]


def test_year_one_fhir_dates_are_400(client, token):
    response = client.get("/fhir/Slot?start=ge0001-01-01&start=lt0001-01-02", headers=bearer(token))
    outcome = response.get_json(force=True)  # FHIR answers an OperationOutcome
    assert response.status_code == 400 and "Paramètre start invalide" in outcome["issue"][0]["diagnostics"]


def test_a_huge_id_in_a_form_field_is_400(client, login_as, territory):
    login_as("coordinator")
    period = Period(territory_id=territory.id, name="p", state="review", start_date=date(2027, 1, 1),
                    end_date=date(2027, 1, 31))  # fmt: skip
    db.session.add(period)
    db.session.commit()
    response = client.post(
        f"/coordination/periodes/{period.id}/planning/affecter", data={"shift_id": str(2**64), "gp_id": "1"}
    )
    assert 400 <= response.status_code < 500


def test_nul_characters_are_refused_in_forms_and_json(client, login_as, token):
    login_as("coordinator")
    response = client.post(
        "/coordination/periodes/nouvelle", data={"kind": "month", "start": "2027-05", "name": "Mai\x00"}
    )
    assert response.status_code == 400 and "caractère nul" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Period.id))) == 0
    booked = client.post(
        "/api/v1/bookings", headers=bearer(token),
        json={"slot_id": 1, "regulation_ref": "R\x00-1", "initials": "JD", "age_band": "18-64"},
    )  # fmt: skip
    assert booked.status_code == 400 and "caractère nul" in booked.get_json()["error"]
    assert client.get("/api/v1/daily?date=2027-01-01%00", headers=bearer(token)).status_code == 400


def upload_bytes(client, data: bytes):
    return client.post(
        "/coordination/medecins/import",
        data={"file": (io.BytesIO(data), "medecins.csv")},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        (
            b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + bytes(range(256)) * 8,
            422,
            "n&#39;est pas un fichier CSV",
        ),
        (b"nom\nDupont\nMartin\n", 422, "Colonnes manquantes"),
        # The long line: past the import's 100 000 characters (and the csv module's 131 072-character cell).
        (
            GOOD_CSV.encode() + b"Klein;" + b"x" * 200_000 + b";Anne;10000000033;a@test.fr;0611223344;\n",
            413,
            "trop volumineux",
        ),
    ],
    ids=["binary", "one-column", "long-line"],
)
def test_files_that_are_not_usable_csv_get_a_french_error(client, login_as, data, status, message):
    login_as("coordinator")
    response = upload_bytes(client, data)
    assert response.status_code == status and message in response.get_data(as_text=True)
    assert gp_count() == 0


def test_utf16_csv_from_excel_is_read(client, login_as):
    login_as("coordinator")
    page = upload_bytes(client, GOOD_CSV.replace(";", "\t").encode("utf-16")).get_data(as_text=True)
    assert "Hélène" in page and "Müller" in page
    assert db.session.scalar(select(func.count(GP.id))) == 0  # a preview: nothing written
