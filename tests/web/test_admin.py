"""Administration: invite accounts, change roles (one user may hold several), deactivate."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from sched.extensions import db
from sched.models import ApiToken, OutboxEmail, Territory, User
from sched.services.tokens import hash_secret
from tests.factories import make_user


def test_invite_creates_the_account_and_queues_the_invitation(client, login_as):
    login_as("admin")
    response = client.post(
        "/admin/comptes/inviter",
        data={"full_name": "Dr Anne Klein", "email": "Anne.Klein@Cabinet.fr", "roles": ["gp", "coordinator"]},
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "anne.klein@cabinet.fr"))
    assert user.role_names == ["gp", "coordinator"] and user.password_hash is None
    message = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to_addr == user.email))
    assert "/invitation/" in message.body_text


def test_invite_with_errors_keeps_what_was_typed_and_writes_nothing(client, login_as):
    login_as("admin")
    before = db.session.scalar(select(func.count()).select_from(User))
    response = client.post("/admin/comptes/inviter", data={"full_name": "Dr Sans Rôle", "email": "pas-une-adresse"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Adresse e-mail invalide." in html and "Choisissez au moins un rôle." in html
    assert 'value="Dr Sans Rôle"' in html and 'value="pas-une-adresse"' in html
    assert db.session.scalar(select(func.count()).select_from(User)) == before
    assert db.session.scalar(select(OutboxEmail)) is None


def test_invite_an_existing_email_is_refused_next_to_the_field(client, login_as, territory):
    login_as("admin")
    make_user(territory, "gp", email="deja@test.fr")
    response = client.post("/admin/comptes/inviter", data={"full_name": "X", "email": "deja@test.fr", "roles": "gp"})
    assert response.status_code == 400
    assert "Un compte existe déjà pour deja@test.fr." in response.get_data(as_text=True)


def test_change_roles_and_deactivate(client, login_as, territory):
    login_as("admin")
    user = make_user(territory, "gp")
    response = client.post(f"/admin/comptes/{user.id}", data={"roles": ["gp", "regulator"]})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.role_names == ["gp", "regulator"]
    assert user.active is False  # the unchecked box deactivates the account


def test_admin_cannot_lock_themselves_out(client, login_as):
    admin = login_as("admin")
    response = client.post(f"/admin/comptes/{admin.id}", data={"roles": ["gp"], "active": "y"})
    assert response.status_code == 200
    assert "propre accès" in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.role_names == ["admin"]


def test_accounts_of_another_territory_are_not_reachable(client, login_as):
    login_as("admin")
    other = Territory(name="Autre CPTS", department="54")
    db.session.add(other)
    db.session.commit()
    stranger = make_user(other, "gp", email="ailleurs@test.fr", rpps="10000000016")
    assert client.get(f"/admin/comptes/{stranger.id}").status_code == 404
    assert "ailleurs@test.fr" not in client.get("/admin/").get_data(as_text=True)


def test_an_api_token_is_created_on_the_page_named_its_secret_shown_once(client, login_as, territory):
    login_as("admin")
    regulator = make_user(territory, "regulator", email="regul@test.fr")
    response = client.post("/admin/jetons", data={"name": "Logiciel SAS — poste 2", "user_id": str(regulator.id)})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    secret = re.search(r'id="token-secret" class="token-secret" value="([^"]+)"', html).group(1)
    assert "il ne sera plus jamais affiché" in html
    stored = db.session.scalar(select(ApiToken))
    assert (stored.name, stored.user_id) == ("Logiciel SAS — poste 2", regulator.id)
    assert stored.token_hash == hash_secret(secret) and secret not in stored.token_hash
    # It works at once, and its use shows on the list; the secret never shows again.
    assert client.get("/api/v1/daily", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    listing = client.get("/admin/jetons").get_data(as_text=True)
    assert secret not in listing and "Logiciel SAS — poste 2" in listing
    assert "jamais" not in listing.split("Logiciel SAS — poste 2")[1].split("</tr>")[0]
    # Revoked on the page: refused from then on.
    client.post(f"/admin/jetons/{stored.id}/revoquer")
    assert client.get("/api/v1/daily", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert "révoqué le" in client.get("/admin/jetons").get_data(as_text=True)


def test_a_token_needs_a_name_and_a_regulator_of_the_territory(client, login_as, territory):
    login_as("admin")
    gp = make_user(territory, "gp", email="doc@test.fr")
    other = Territory(name="Autre CPTS", department="54")
    db.session.add(other)
    db.session.commit()
    stranger = make_user(other, "regulator", email="regul@ailleurs.fr", rpps="10000000016")
    regulator = make_user(territory, "regulator", email="regul@test.fr")
    form = client.get("/admin/jetons").get_data(as_text=True)
    assert f'value="{regulator.id}"' in form and f'value="{gp.id}"' not in form and "regul@ailleurs.fr" not in form
    for data, message in [
        ({"name": "  ", "user_id": str(regulator.id)}, "Donnez un nom au jeton."),
        ({"name": "X" * 101, "user_id": str(regulator.id)}, "100 caractères au plus."),
        ({"name": "Poste", "user_id": str(gp.id)}, "Choisissez un compte de régulation actif de la CPTS."),
        ({"name": "Poste", "user_id": str(stranger.id)}, "Choisissez un compte de régulation actif de la CPTS."),
        ({"name": "Poste", "user_id": "abc"}, "Choisissez un compte de régulation actif de la CPTS."),
    ]:
        response = client.post("/admin/jetons", data=data)
        assert response.status_code == 400 and message in response.get_data(as_text=True), data
    assert db.session.scalar(select(func.count(ApiToken.id))) == 0
