"""Each account flow: login, bad password, logout, invitation, password reset, rate limit, role landing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from sched.extensions import db
from sched.models import AuditEvent, AuthToken, OutboxEmail, utcnow
from sched.services.accounts import create_user, send_invitation
from sched.services.passwords import verify_password
from tests.factories import PASSWORD, latest_link, make_user


def login(client, email, password=PASSWORD, next_url=None):
    url = "/connexion" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": email, "password": password})


@pytest.mark.parametrize(
    "role,home",
    [("gp", "/gp/"), ("coordinator", "/coordination/"), ("regulator", "/regulation/"), ("admin", "/admin/")],
)
def test_each_role_lands_on_its_home(client, territory, role, home):
    user = make_user(territory, role)
    response = login(client, user.email)
    assert response.status_code == 302
    assert response.headers["Location"] == home
    page = client.get(home)
    assert page.status_code == 200
    assert 'lang="fr"' in page.get_data(as_text=True)


def test_password_is_stored_as_argon2id(territory):
    user = make_user(territory, "gp")
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_bad_password_is_refused_and_email_kept(client, territory):
    user = make_user(territory, "gp")
    response = login(client, user.email.upper(), "wrong-password-123")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Adresse e-mail ou mot de passe incorrect." in html
    assert f'value="{user.email.upper()}"' in html
    assert client.get("/gp/").status_code == 302  # still anonymous


def test_unknown_email_gets_the_same_answer(client, territory):
    response = login(client, "nobody@test.fr")
    assert "Adresse e-mail ou mot de passe incorrect." in response.get_data(as_text=True)


def test_wrong_password_is_one_message_not_a_banner_plus_a_field_error(client, territory):
    user = make_user(territory, "gp")
    html = login(client, user.email, "wrong-password-123").get_data(as_text=True)
    assert html.count("Adresse e-mail ou mot de passe incorrect.") == 1
    assert "Le formulaire contient des erreurs" not in html and 'class="error"' not in html
    # The cursor is back in the password field, which names the message.
    assert re.search(r'<input[^>]*aria-describedby="login-refused"[^>]*autofocus[^>]*id="password"', html)


def test_inactive_account_cannot_log_in(client, territory):
    user = make_user(territory, "coordinator")
    user.active = False
    db.session.commit()
    assert login(client, user.email).status_code == 200
    assert client.get("/coordination/").status_code == 302


def test_a_deactivated_person_is_told_so_and_whom_to_contact_once_the_password_is_right(client, territory):
    territory.coordination_email = "coordination@cpts-test.fr"
    user = make_user(territory, "gp")
    user.active = False
    db.session.commit()
    html = login(client, user.email).get_data(as_text=True)
    assert "Votre compte est désactivé" in html and "incorrect" not in html
    assert 'href="mailto:coordination@cpts-test.fr"' in html
    assert client.get("/gp/").status_code == 302  # still not logged in
    # Whoever only guesses the address learns nothing: the same answer as an unknown one.
    guessed = login(client, user.email, "wrong-password-123").get_data(as_text=True)
    unknown = login(client, "nobody@test.fr", "wrong-password-123").get_data(as_text=True)
    assert "désactivé" not in guessed and "Adresse e-mail ou mot de passe incorrect." in guessed
    strip = re.compile(r'name="csrf_token"[^>]*>|value="[^"]*"')
    assert strip.sub("", guessed) == strip.sub("", unknown)


def test_login_follows_a_local_next_only(client, territory):
    user = make_user(territory, "gp")
    assert login(client, user.email, next_url="/gp/").headers["Location"] == "/gp/"
    client.post("/deconnexion")
    assert login(client, user.email, next_url="https://evil.example/").headers["Location"] == "/gp/"


def test_anonymous_is_sent_to_login_with_next(client):
    response = client.get("/coordination/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/connexion?next=/coordination/")


def test_logout_is_a_post_and_ends_the_session(client, login_as):
    login_as("regulator")
    assert client.get("/deconnexion").status_code == 405
    response = client.post("/deconnexion", follow_redirects=True)
    assert "Vous êtes déconnecté." in response.get_data(as_text=True)
    assert client.get("/regulation/").status_code == 302


def test_login_is_audited(client, territory):
    user = make_user(territory, "admin")
    login(client, user.email)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.login")).all()
    assert [e.actor_id for e in events] == [user.id]


def test_invitation_link_sets_a_first_password_once(client, territory):
    user = create_user("new.gp@test.fr", "Dr Nouveau", ["gp"], territory=territory)
    send_invitation(user)
    db.session.commit()
    path = latest_link("invitation")
    assert path.startswith("/invitation/")
    token = path.rsplit("/", 1)[1]
    assert db.session.scalar(select(AuthToken.token_hash)) != token  # only the hash is stored

    assert client.get(path).status_code == 200
    mismatch = client.post(path, data={"password": "un-mot-de-passe-long", "confirm": "autre-chose-long"})
    assert "Les deux mots de passe ne sont pas identiques." in mismatch.get_data(as_text=True)
    short = client.post(path, data={"password": "court", "confirm": "court"})
    assert "Au moins 10 caractères." in short.get_data(as_text=True)

    done = client.post(path, data={"password": "un-mot-de-passe-long", "confirm": "un-mot-de-passe-long"})
    assert done.status_code == 302 and done.headers["Location"] == "/gp/"
    db.session.refresh(user)
    assert verify_password(user.password_hash, "un-mot-de-passe-long")

    client.post("/deconnexion")
    reused = client.get(path)
    assert reused.status_code == 404
    assert "plus valable" in reused.get_data(as_text=True)


def test_expired_invitation_is_refused(client, territory):
    user = create_user("late@test.fr", "Dr Tardif", ["gp"], territory=territory)
    send_invitation(user)
    db.session.commit()
    path = latest_link("invitation")
    db.session.scalar(select(AuthToken)).expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = client.post(path, data={"password": "un-mot-de-passe-long", "confirm": "un-mot-de-passe-long"})
    assert response.status_code == 404
    db.session.refresh(user)
    assert user.password_hash is None


def test_forgotten_password_flow(client, territory):
    user = make_user(territory, "coordinator")
    response = client.post("/mot-de-passe/oublie", data={"email": user.email}, follow_redirects=True)
    assert "Si un compte existe pour cette adresse" in response.get_data(as_text=True)
    path = latest_link("password_reset")
    client.post(path, data={"password": "nouveau-secret-2027", "confirm": "nouveau-secret-2027"})
    client.post("/deconnexion")
    assert login(client, user.email, PASSWORD).status_code == 200  # the old password no longer works
    assert login(client, user.email, "nouveau-secret-2027").headers["Location"] == "/coordination/"


def test_forgotten_password_does_not_reveal_unknown_accounts(client, territory):
    response = client.post("/mot-de-passe/oublie", data={"email": "inconnu@test.fr"}, follow_redirects=True)
    assert "Si un compte existe pour cette adresse" in response.get_data(as_text=True)
    assert db.session.scalar(select(OutboxEmail)) is None


def test_login_attempts_are_rate_limited(app_config, territory):
    from sched import create_app

    make_user(territory, "gp", email="cible@test.fr")
    limited = create_app({**app_config, "RATELIMIT_ENABLED": True, "LOGIN_ACCOUNT_RATE_LIMIT": "3 per minute"})
    client = limited.test_client()
    statuses = [login(client, "cible@test.fr", f"essai-{n}-incorrect").status_code for n in range(5)]
    assert statuses[:3] == [200, 200, 200]
    assert statuses[3:] == [429, 429]
    refused = login(client, "cible@test.fr")
    assert refused.status_code == 429  # even the right password waits
    assert "Trop de tentatives" in refused.get_data(as_text=True)
