"""CSRF refusal, secure cookie settings, the app factory and the generated secret key."""

from __future__ import annotations

import os
import stat

import pytest

from config.settings import load_secret_key
from sched import create_app
from tests.factories import PASSWORD, make_user


@pytest.fixture
def csrf_client(app_config, territory):
    app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    return app.test_client()


def test_login_without_csrf_token_is_refused(csrf_client, territory):
    make_user(territory, "gp")
    response = csrf_client.post("/connexion", data={"email": "gp@test.fr", "password": PASSWORD})
    assert response.status_code == 400
    assert "Le formulaire a expiré ou n'est pas valide" in response.get_data(as_text=True).replace("&#39;", "'")
    assert csrf_client.get("/gp/").status_code == 302  # not logged in


def test_login_form_carries_a_csrf_token(csrf_client):
    assert 'name="csrf_token"' in csrf_client.get("/connexion").get_data(as_text=True)


def test_session_cookie_is_secure_httponly_and_lax_by_default(monkeypatch):
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_test_config_overrides_the_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nowhere/x")
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite://"
    assert app.testing


def test_database_url_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:////tmp/from-env.sqlite3")
    app = create_app({"SECRET_KEY": "x"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:////tmp/from-env.sqlite3"


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = load_secret_key(tmp_path)
    assert len(first) >= 64
    assert load_secret_key(tmp_path) == first
    mode = stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode)
    assert mode == 0o600
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    assert load_secret_key(tmp_path) == "from-the-environment"


def test_error_pages_are_in_french(client, login_as):
    login_as("gp")
    not_found = client.get("/gp/nexiste-pas")
    assert not_found.status_code == 404
    assert "Page introuvable" in not_found.get_data(as_text=True)
    forbidden = client.get("/admin/")
    assert forbidden.status_code == 403
    assert "Accès refusé" in forbidden.get_data(as_text=True)


def test_unexpected_error_gives_a_french_500(app, client):
    @app.route("/boom-for-test")
    def boom():
        raise RuntimeError("boom")

    response = client.get("/boom-for-test")
    assert response.status_code == 500
    assert "Erreur du serveur" in response.get_data(as_text=True)


def test_form_fields_have_labels_and_no_empty_attributes(client):
    html = client.get("/connexion").get_data(as_text=True)
    assert '<label for="email">Adresse e-mail</label>' in html
    assert 'autocomplete="username"' in html
    assert '="None"' not in html
    errors = client.post("/connexion", data={"email": "", "password": ""}).get_data(as_text=True)
    assert 'aria-invalid="true"' in errors and 'aria-describedby="email-err"' in errors
    assert "Ce champ est obligatoire." in errors
