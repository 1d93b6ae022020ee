"""Login limits per account and per address, the proxy trusted only when configured, one hash per attempt."""

from __future__ import annotations

import pytest
from flask import template_rendered

from sched import create_app
from sched.extensions import db
from sched.services import passwords
from tests.factories import PASSWORD, make_user


def limited_client(app_config, **limits):
    app = create_app({**app_config, "RATELIMIT_ENABLED": True, **limits})
    return app.test_client()


def attempt(client, email: str, address: str = "192.0.2.1", forwarded: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    response = client.post(
        "/connexion",
        data={"email": email, "password": "pas-le-bon-mot"},
        headers=headers,
        environ_base={"REMOTE_ADDR": address},
    )
    return response.status_code


def test_one_account_is_limited_whatever_the_address(app_config, territory):
    make_user(territory, "gp", email="cible@test.fr")
    client = limited_client(app_config, LOGIN_ACCOUNT_RATE_LIMIT="3 per minute", LOGIN_ADDRESS_RATE_LIMIT="99/minute")
    statuses = [attempt(client, "CIBLE@test.fr ", address=f"198.51.100.{n}") for n in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    assert attempt(client, "autre@test.fr", address="198.51.100.1") == 200  # other accounts still log in


def test_one_address_is_limited_whatever_the_account(app_config, territory):
    client = limited_client(app_config, LOGIN_ACCOUNT_RATE_LIMIT="99 per minute", LOGIN_ADDRESS_RATE_LIMIT="3/minute")
    statuses = [attempt(client, f"compte{n}@test.fr") for n in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    assert attempt(client, "compte9@test.fr", address="192.0.2.2") == 200  # other addresses still try


def test_a_forged_forwarded_for_is_ignored_without_a_proxy(app_config, territory):
    client = limited_client(app_config, LOGIN_ACCOUNT_RATE_LIMIT="99 per minute", LOGIN_ADDRESS_RATE_LIMIT="3/minute")
    statuses = [attempt(client, f"compte{n}@test.fr", forwarded=f"203.0.113.{n}") for n in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_behind_one_proxy_the_address_it_saw_counts(app_config, territory):
    client = limited_client(
        app_config, PROXY_COUNT=1, LOGIN_ACCOUNT_RATE_LIMIT="99 per minute", LOGIN_ADDRESS_RATE_LIMIT="3/minute"
    )
    # The proxy (127.0.0.1) appends the address it saw; what the client wrote before it is not believed.
    statuses = [
        attempt(client, f"compte{n}@test.fr", "127.0.0.1", forwarded=f"192.0.2.{n}, 203.0.113.5") for n in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    assert attempt(client, "compte9@test.fr", "127.0.0.1", forwarded="203.0.113.5, 203.0.113.6") == 200


class CountingHasher:
    """The real argon2 hasher, counting its verifications."""

    def __init__(self, real) -> None:
        self.real = real
        self.verifications = 0

    def verify(self, password_hash: str, password: str) -> bool:
        self.verifications += 1
        return self.real.verify(password_hash, password)

    def __getattr__(self, name: str):
        return getattr(self.real, name)


@pytest.mark.parametrize(
    "case", ["right password", "wrong password", "unknown e-mail", "inactive account", "no password yet"]
)
def test_each_login_attempt_costs_one_password_hash(client, territory, monkeypatch, case):
    user = make_user(territory, "gp")
    if case == "inactive account":
        user.active = False
    if case == "no password yet":
        user.password_hash = None
    db.session.commit()
    hasher = CountingHasher(passwords._hasher)
    monkeypatch.setattr(passwords, "_hasher", hasher)
    email = "inconnu@test.fr" if case == "unknown e-mail" else user.email
    password = PASSWORD if case in ("right password", "inactive account", "no password yet") else "pas-le-bon-mot"
    response = client.post("/connexion", data={"email": email, "password": password})
    assert response.status_code == (302 if case == "right password" else 200)
    assert hasher.verifications == 1


def reset_request(client, email: str) -> tuple[list[str], int, str, str]:
    """What asking a reset for `email` renders, and the answer the browser gets."""
    rendered: list[str] = []

    def record(sender, template, context, **extra) -> None:
        rendered.append(template.name)

    with template_rendered.connected_to(record):
        response = client.post("/mot-de-passe/oublie", data={"email": email})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    return rendered, response.status_code, response.headers["Location"], page


def test_reset_form_does_the_same_work_and_answers_the_same(client, territory):
    known = make_user(territory, "coordinator")
    inactive = make_user(territory, "regulator")
    inactive.active = False
    db.session.commit()
    answers = [reset_request(client, email) for email in (known.email, "inconnu@test.fr", inactive.email)]
    assert answers[0][0] == ["email/reset.txt", "email/reset.html"]
    assert answers[1] == answers[0] and answers[2] == answers[0]
