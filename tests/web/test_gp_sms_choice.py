"""A GP chooses SMS in their profile: a checkbox, usable only with a mobile number."""

from __future__ import annotations

from sched.extensions import db
from sched.services.sms import queue_sms_to_gp


def test_gp_opts_in_to_sms_on_the_profile_page_and_out_again(client, login_as):
    user = login_as("gp")
    html = client.get("/gp/profil").get_data(as_text=True)
    assert "Recevoir aussi par SMS" in html and 'name="sms_opt_in"' in html and "disabled" not in html
    response = client.post(
        "/gp/profil/coordonnees", data={"phone": "06 11 22 33 44", "email": user.email, "sms_opt_in": "y"}
    )
    assert response.status_code == 302
    db.session.refresh(user.gp)
    assert user.gp.sms_opt_in is True and queue_sms_to_gp(user.gp, "Bonjour", "test") is True
    assert "checked" in client.get("/gp/profil").get_data(as_text=True)
    client.post("/gp/profil/coordonnees", data={"phone": "06 11 22 33 44", "email": user.email})
    db.session.refresh(user.gp)
    assert user.gp.sms_opt_in is False


def test_sms_needs_a_mobile_number(client, login_as):
    user = login_as("gp")
    response = client.post(
        "/gp/profil/coordonnees", data={"phone": "03 87 00 00 00", "email": user.email, "sms_opt_in": "y"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Les SMS ne partent que vers un numéro de portable" in html
    assert 'value="03 87 00 00 00"' in html, "what was typed is kept"
    db.session.refresh(user.gp)
    assert user.gp.sms_opt_in is False and user.gp.phone == "+33612345678"
    client.post("/gp/profil/coordonnees", data={"phone": "03 87 00 00 00", "email": user.email})
    html = client.get("/gp/profil").get_data(as_text=True)
    assert "Enregistrez d'abord un numéro de portable" in html and "disabled" in html
