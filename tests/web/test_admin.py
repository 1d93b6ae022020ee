"""Administration: invite accounts, change roles (one user may hold several), deactivate."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from sched.extensions import db
from sched.models import ApiToken, AuthToken, OutboxEmail, Territory, User, utcnow
from sched.services.tokens import hash_secret
from tests.factories import latest_link, make_user


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


def test_accounts_show_their_state_and_last_login_and_can_be_searched(client, login_as, territory):
    login_as("admin")
    client.post("/admin/comptes/inviter", data={"full_name": "Dr Anne Klein", "email": "anne@test.fr", "roles": "gp"})
    client.post("/admin/comptes/inviter", data={"full_name": "Dr Paul Vieux", "email": "paul@test.fr", "roles": "gp"})
    old = db.session.scalar(select(AuthToken).join(User).where(User.email == "paul@test.fr"))
    old.expires_at = utcnow() - timedelta(days=1)
    active = make_user(territory, "regulator", email="regul@test.fr")
    active.full_name, active.last_login_at = "Régulatrice Active", utcnow()
    gone = make_user(territory, "coordinator", email="parti@test.fr")
    gone.full_name, gone.active = "Dr Parti", False
    db.session.commit()
    html = client.get("/admin/").get_data(as_text=True)

    def row(name: str) -> str:
        return html.split(name)[1].split("</tr>")[0]

    assert "invitation en attente" in row("Dr Anne Klein") and "e-mail en attente d'envoi" in row("Dr Anne Klein")
    assert "invitation expirée" in row("Dr Paul Vieux") and "jamais" in row("Dr Paul Vieux")
    assert "actif" in row("Régulatrice Active") and "jamais" not in row("Régulatrice Active")
    assert "désactivé" in row("Dr Parti")
    assert "Dernière connexion" in html
    found = client.get("/admin/?q=KLEIN").get_data(as_text=True)
    assert "Dr Anne Klein" in found and "Dr Paul Vieux" not in found and "trouvé pour « KLEIN »" in found
    assert "Dr Parti" in client.get("/admin/?q=parti@").get_data(as_text=True)
    nothing = client.get("/admin/?q=%25").get_data(as_text=True)  # a LIKE wildcard is a character like any other
    assert "Aucun compte ne correspond à « % »." in nothing


def test_resend_the_invitation_new_link_old_one_dead(client, login_as, territory):
    login_as("admin")
    client.post("/admin/comptes/inviter", data={"full_name": "Dr Anne Klein", "email": "anne@test.fr", "roles": "gp"})
    user = db.session.scalar(select(User).where(User.email == "anne@test.fr"))
    first = latest_link("invitation")
    page = client.get(f"/admin/comptes/{user.id}").get_data(as_text=True)
    assert "Renvoyer l'invitation" in page and "réinitialisation" not in page
    response = client.post(f"/admin/comptes/{user.id}/invitation", follow_redirects=True)
    assert "Nouvelle invitation envoyée à anne@test.fr" in response.get_data(as_text=True)
    second = latest_link("invitation")
    assert second != first
    client.post("/deconnexion")
    assert client.get(first).status_code == 404  # the first link no longer works
    assert client.get(second).status_code == 200


def test_send_a_password_reset_link_from_the_account_page(client, login_as, territory):
    login_as("admin")
    user = make_user(territory, "gp", email="oublie@test.fr")
    page = client.get(f"/admin/comptes/{user.id}").get_data(as_text=True)
    assert "Envoyer un lien de réinitialisation du mot de passe" in page and "Renvoyer l'invitation" not in page
    response = client.post(f"/admin/comptes/{user.id}/reinitialisation", follow_redirects=True)
    assert "Lien de réinitialisation du mot de passe envoyé à oublie@test.fr." in response.get_data(as_text=True)
    assert client.get(latest_link("password_reset")).status_code == 200
    # An invited account without password is told to resend the invitation instead; nothing is sent.
    client.post("/admin/comptes/inviter", data={"full_name": "Dr Neuf", "email": "neuf@test.fr", "roles": "gp"})
    fresh = db.session.scalar(select(User).where(User.email == "neuf@test.fr"))
    refused = client.post(f"/admin/comptes/{fresh.id}/reinitialisation", follow_redirects=True)
    assert "renvoyez plutôt l&#39;invitation" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(OutboxEmail.id)).where(OutboxEmail.kind == "password_reset")) == 1
