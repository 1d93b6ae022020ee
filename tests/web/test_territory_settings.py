"""The administration's page of the territory's settings: FINESS, addresses, funded hours."""

from __future__ import annotations

from sched.extensions import db
from sched.models import AuditEvent, Territory


def settings(**changes) -> dict:
    data = {
        "name": "CPTS Test",
        "finess": "",
        "regulators_email": "",
        "coordination_email": "",
        "ars_email": "",
        "funded_hours_month": "",
    }
    data.update(changes)
    return data


def test_the_admin_saves_the_settings_and_the_change_is_audited(client, login_as, territory):
    login_as("admin")
    data = settings(finess=" 750712184 ", ars_email="Rapports@ARS.test", funded_hours_month="180")
    data["auto_approve_swaps"] = "y"
    response = client.post("/admin/territoire", data=data)
    assert response.status_code == 302
    db.session.refresh(territory)
    saved = (territory.finess, territory.ars_email, territory.funded_hours_month)
    assert saved == ("750712184", "rapports@ars.test", 180)
    assert territory.auto_approve_swaps is True
    event = db.session.query(AuditEvent).filter_by(action="territory.update").one()
    assert "750712184" in str(event.details)


def test_a_finess_with_a_wrong_key_is_refused_next_to_the_field_and_nothing_is_saved(client, login_as, territory):
    login_as("admin")
    response = client.post("/admin/territoire", data=settings(finess="750712185", funded_hours_month="abc"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "clé de contrôle incorrecte" in page
    assert "nombre entier d&#39;heures" in page or "nombre entier d'heures" in page
    assert 'value="750712185"' in page  # what was typed is kept
    db.session.refresh(territory)
    assert territory.finess is None and territory.funded_hours_month is None


def test_zero_funded_hours_is_kept_as_zero_and_empty_clears(client, login_as, territory):
    login_as("admin")
    client.post("/admin/territoire", data=settings(funded_hours_month="0", finess="750712184"))
    db.session.refresh(territory)
    assert territory.funded_hours_month == 0
    client.post("/admin/territoire", data=settings())
    db.session.refresh(territory)
    assert territory.funded_hours_month is None and territory.finess is None


def test_another_territorys_name_is_refused(client, login_as, territory):
    db.session.add(Territory(name="CPTS Voisine", department="54"))
    db.session.commit()
    login_as("admin")
    response = client.post("/admin/territoire", data=settings(name="CPTS Voisine"))
    assert response.status_code == 400
    assert "Une autre CPTS porte déjà ce nom." in response.get_data(as_text=True)
