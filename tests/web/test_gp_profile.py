"""The GP's profile: phone in international form, unique e-mail, password change, default limits and sites."""

from __future__ import annotations

import re

from sqlalchemy import select

from sched.extensions import db
from sched.models import AuditEvent, Site, Territory
from sched.services.passwords import verify_password
from tests.factories import PASSWORD, make_user


def test_phone_is_stored_e164_and_shown_french(client, login_as):
    user = login_as("gp")
    response = client.post("/gp/profil/coordonnees", data={"phone": "06 11 22 33 44", "email": " Moi@Test.FR "})
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.gp.phone, user.email) == ("+33611223344", "moi@test.fr")
    assert 'value="06 11 22 33 44"' in client.get("/gp/profil").get_data(as_text=True)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.contact_change")) is not None


def test_invalid_phone_and_taken_email_are_refused_in_french(client, login_as, territory):
    user = login_as("gp")
    make_user(territory, "coordinator", "pris@test.fr")
    response = client.post("/gp/profil/coordonnees", data={"phone": "12", "email": "moi@test.fr"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Numéro de téléphone invalide." in html and 'value="12"' in html
    response = client.post("/gp/profil/coordonnees", data={"phone": "0611223344", "email": "PRIS@test.fr"})
    assert "Cette adresse e-mail est déjà utilisée" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert (user.gp.phone, user.email) == ("+33612345678", "gp@test.fr")


def test_password_change_requires_the_current_one(client, login_as):
    user = login_as("gp")
    wrong = {"current": "pas-le-bon-mot", "new": "nouveau-secret-42", "confirm": "nouveau-secret-42"}
    assert "Mot de passe actuel incorrect." in client.post("/gp/profil/mot-de-passe", data=wrong).get_data(as_text=True)
    short = {"current": PASSWORD, "new": "court", "confirm": "court"}
    assert "Au moins 10 caractères." in client.post("/gp/profil/mot-de-passe", data=short).get_data(as_text=True)
    db.session.refresh(user)
    assert verify_password(user.password_hash, PASSWORD)
    good = {"current": PASSWORD, "new": "nouveau-secret-42", "confirm": "nouveau-secret-42"}
    assert client.post("/gp/profil/mot-de-passe", data=good).status_code == 302
    db.session.refresh(user)
    assert verify_password(user.password_hash, "nouveau-secret-42")


def test_default_limits_and_sites(client, login_as, territory):
    user = login_as("gp")
    second = Site(territory=territory, name="Cabinet de garde Nord", address="2 rue", postal_code="57000",
                  city="Metz", phone="+33387000001")  # fmt: skip
    other = Territory(name="Autre", department="54")
    foreign = Site(territory=other, name="Ailleurs", address="1 rue", postal_code="54000", city="Nancy",
                   phone="+33383000000")  # fmt: skip
    db.session.add_all([second, foreign])
    db.session.commit()
    html = client.get("/gp/profil").get_data(as_text=True)
    assert "Cabinet de garde Nord" in html and "Ailleurs" not in html
    home = next(site for site in territory.sites if site.name == "Cabinet de garde Test")
    assert re.search(rf'checked[^>]*value="{home.id}"|value="{home.id}"[^>]*checked', html)
    assert not re.search(rf'value="{second.id}"[^>]*checked|checked[^>]*value="{second.id}"', html)

    data = {"max_shifts": "6", "max_per_week": "", "max_saturdays": "1", "sites": [str(second.id)]}
    assert client.post("/gp/profil/preferences", data=data).status_code == 302
    db.session.refresh(user.gp)
    assert (user.gp.max_shifts, user.gp.max_per_week, user.gp.max_saturdays) == (6, None, 1)
    assert [s.name for s in user.gp.sites] == ["Cabinet de garde Nord"]

    for bad, message in (
        ({"max_shifts": "3", "sites": [str(foreign.id)]}, "ne fait pas partie de la CPTS"),
        ({"max_shifts": "3"}, "Choisissez au moins un cabinet de garde."),
        ({"max_shifts": "-2", "sites": [str(second.id)]}, "Indiquez un nombre entier positif ou nul"),
    ):
        response = client.post("/gp/profil/preferences", data=bad)
        assert response.status_code == 422 and message in response.get_data(as_text=True)
    db.session.refresh(user.gp)
    assert user.gp.max_shifts == 6 and [s.name for s in user.gp.sites] == ["Cabinet de garde Nord"]
