"""GP directory: CSV import with a preview (nothing written until confirmed, all or nothing), invite, deactivate."""

from __future__ import annotations

from sqlalchemy import func, select

from sched.extensions import db
from sched.models import AuditEvent, OutboxEmail, User
from tests.factories import GOOD_CSV, gp_count, upload

BAD = (
    "nom;prénom;RPPS;e-mail;téléphone;sites\n"
    "Schmitt;Hélène;10000000016;helene.schmitt@test.fr;06 12 34 56 78;Cabinet inconnu\n"
    "Klein;Anne;10000000025;helene.schmitt@test.fr;12;\n"
)


def test_preview_lists_each_rows_problems_and_writes_nothing(client, login_as):
    login_as("coordinator")
    page = upload(client, BAD).get_data(as_text=True)
    assert "chiffre de contrôle incorrect" in page
    assert "cabinet de garde inconnu : Cabinet inconnu" in page
    assert "adresse e-mail en double" in page
    assert "téléphone invalide" in page
    assert "Confirmer l&#39;import" not in page and "Confirmer l'import" not in page
    assert gp_count() == 0
    confirm = client.post("/coordination/medecins/import", data={"content": BAD, "confirm": "1"}, follow_redirects=True)
    assert "rien n&#39;a été importé" in confirm.get_data(as_text=True) or "rien n'a été importé" in confirm.get_data(
        as_text=True
    )
    assert gp_count() == 0


def test_excel_file_in_windows_1252_imports_after_confirmation(client, login_as):
    login_as("coordinator")
    page = upload(client, GOOD_CSV, "cp1252").get_data(as_text=True)
    assert "Hélène Schmitt" in page and "Confirmer l" in page
    assert gp_count() == 0
    client.post("/coordination/medecins/import", data={"content": GOOD_CSV, "confirm": "1"})
    assert gp_count() == 2
    helene = db.session.scalar(select(User).where(User.email == "helene.schmitt@test.fr"))
    assert helene.gp.phone == "+33612345678" and [s.name for s in helene.gp.sites] == ["Cabinet de garde Test"]
    assert db.session.scalar(select(func.count(OutboxEmail.id))) == 2  # the invitations


def test_invite_one_gp_checks_rpps_and_keeps_input(client, login_as):
    login_as("coordinator")
    data = {"last_name": "Weber", "first_name": "Paul", "rpps": "10000000016", "email": "paul@test.fr",
            "phone": "0612345678"}  # fmt: skip
    response = client.post("/coordination/medecins/inviter", data=data)
    assert response.status_code == 422
    assert "chiffre de contrôle incorrect" in response.get_data(as_text=True)
    assert 'value="paul@test.fr"' in response.get_data(as_text=True)
    assert gp_count() == 0
    client.post("/coordination/medecins/inviter", data={**data, "rpps": "10000000017"})
    assert gp_count() == 1


def test_deactivate_keeps_history(client, login_as, territory):
    login_as("coordinator")
    from tests.factories import make_user

    user = make_user(territory, "gp", "gp@test.fr")
    client.post(f"/coordination/medecins/{user.gp.id}/activation")
    db.session.refresh(user.gp)
    assert user.gp.active is False and gp_count() == 1
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "gp.deactivate")) is not None
