"""Request bodies are bounded (413 in French, JSON for the API); the CSV import preview echoes a bounded file."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from sched.extensions import db
from sched.models import GP, SlotBooking
from tests.factories import bearer, create_token, make_user, upload


def test_a_json_body_over_the_limit_is_refused_before_it_is_parsed(client, runner, territory, app):
    make_user(territory, "regulator", "regul@test.fr")
    token = create_token(runner, "regul@test.fr")
    body = json.dumps({"slot_id": 1, "padding": "x" * app.config["MAX_CONTENT_LENGTH"]})
    response = client.post("/api/v1/bookings", data=body, content_type="application/json", headers=bearer(token))
    assert response.status_code == 413
    assert response.json == {"error": "Les données envoyées sont trop volumineuses.", "status": 413}
    assert db.session.scalar(select(func.count(SlotBooking.id))) == 0


def test_a_form_over_the_limit_gets_a_french_413(client, app):
    response = client.post(
        "/connexion", data={"email": "a@test.fr", "password": "x" * app.config["MAX_CONTENT_LENGTH"]}
    )
    assert response.status_code == 413
    assert "Les données envoyées sont trop volumineuses." in response.get_data(as_text=True)


def test_a_5_mb_hidden_field_is_refused(client, login_as):
    login_as("coordinator")
    response = client.post("/coordination/medecins/import", data={"content": "nom;" * 1_300_000, "confirm": "1"})
    assert response.status_code == 413
    assert db.session.scalar(select(func.count(GP.id))) == 0


HEADER = "nom;prénom;RPPS;e-mail;téléphone;sites\n"


def test_an_import_file_over_its_limit_is_refused_next_to_the_field(client, login_as):
    from sched.coordination.directory import MAX_IMPORT_CHARS

    login_as("coordinator")
    row = "Schmitt;Hélène;10000000017;helene.schmitt@test.fr;06 12 34 56 78;Cabinet de garde Test\n"
    text = HEADER + row * (MAX_IMPORT_CHARS // len(row) + 1)
    response = upload(client, text)
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "Fichier trop volumineux" in html and "Aperçu de l" not in html
    assert len(html) < 20_000  # nothing of the file is echoed
    confirm = client.post("/coordination/medecins/import", data={"content": text, "confirm": "1"})
    assert confirm.status_code == 413
    assert db.session.scalar(select(func.count(GP.id))) == 0


def test_the_preview_of_the_largest_file_stays_small(client, login_as):
    from sched.coordination.directory import MAX_IMPORT_CHARS

    login_as("coordinator")
    # The worst case for the page: every character of the file is one HTML escapes into five (« & » → « &amp; »).
    row = "&&&&&&&&&&;&&&&&&&&&&;&&&&&&&&&&;&&&&&&&&&&;&&&&&&&&&&;&&&&&&&&&&\n"
    text = HEADER + row * ((MAX_IMPORT_CHARS - len(HEADER)) // len(row))
    response = upload(client, text)
    assert response.status_code == 200 and "Aperçu de l" in response.get_data(as_text=True)
    assert len(response.data) < 1_500_000  # 0.9 MB measured; a 5 MB file made a 36 MB page before the bound
