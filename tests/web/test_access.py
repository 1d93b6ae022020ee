"""The access matrix: every route × every role → the expected status.

Routes are read from the app's URL map, so a new route is covered the day it is added. Each blueprint says who may
use it; a new blueprint must be added to ACCESS (the test fails until it is).
"""

from __future__ import annotations

import re

import pytest
from werkzeug.routing import IntegerConverter

from sched.models import ROLES

# blueprint → roles that may use it; "public" = anyone; "token" = a bearer/feed token, not a session.
ACCESS: dict[str, set[str] | str] = {
    "auth": "public",
    "static": "public",
    "gp": {"gp"},
    "coordination": {"coordinator"},
    "regulation": {"regulator"},
    "admin": {"admin"},
    "platform": {"platform"},
    "feeds": "token",  # secret feed URLs and /sw.js; its two guarded pages are tested in tests/web/test_feeds.py
    "api": "token",
    "fhir": "token",
}
# Public pages whose answer does not depend on the role (and the status each returns with a dummy argument).
PUBLIC_STATUS = {
    "auth.index": 302,
    "auth.login": 200,
    "auth.forgot_password": 200,
    "auth.accept_invitation": 404,  # a dummy token is not a valid link
    "auth.reset_password": 404,
    "auth.logout": 302,
    "auth.no_role": 302,  # login required
    "static": 200,
    "feeds.service_worker": 200,  # the offline « Mes gardes » worker: code only, no data
}
USERS = ["anonymous", *ROLES]


def concrete_path(rule) -> str:
    """The rule's path with dummy arguments: ids that do not exist, tokens that are not valid."""
    values = {name: "999999" if isinstance(conv, IntegerConverter) else "x" for name, conv in rule._converters.items()}
    if rule.endpoint == "static":
        values["filename"] = "app.css"
    return rule.build(values, append_unknown=False)[1]


def routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) & {"GET", "POST", "PUT", "PATCH", "DELETE"}):
            yield rule, method


def test_every_blueprint_is_in_the_matrix(app):
    blueprints = {
        rule.endpoint.split(".")[0] if "." in rule.endpoint else rule.endpoint for rule in app.url_map.iter_rules()
    }
    assert blueprints <= set(ACCESS), f"add these blueprints to ACCESS: {sorted(blueprints - set(ACCESS))}"


@pytest.mark.parametrize("who", USERS)
def test_access_matrix(app, client, login_as, who):
    if who != "anonymous":
        login_as(who)
    checked = 0
    for rule, method in routes(app):
        blueprint = rule.endpoint.split(".")[0] if "." in rule.endpoint else rule.endpoint
        allowed = ACCESS[blueprint]
        if allowed in ("public", "token") or rule.endpoint in ("auth.logout",):
            continue
        path = concrete_path(rule)
        response = client.open(path, method=method)
        label = f"{method} {path} as {who}"
        if who == "anonymous":
            assert response.status_code == 302, label
            assert re.search(r"/connexion\?next=", response.headers["Location"]), label
        elif who in allowed:
            assert response.status_code in (200, 302, 303, 400, 404, 405, 409, 422), label
            if response.status_code in (302, 303):  # a form sent back to its page, never to the login page
                assert "/connexion" not in response.headers["Location"], label
        else:
            assert response.status_code == 403, label
            assert "Accès refusé" in response.get_data(as_text=True), label
        checked += 1
    assert checked >= 4


@pytest.mark.parametrize("endpoint,status", sorted(PUBLIC_STATUS.items()))
def test_public_pages(app, client, endpoint, status):
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    method = "POST" if endpoint == "auth.logout" else "GET"
    assert client.open(concrete_path(rule), method=method).status_code == status


def test_each_home_links_to_its_calendars(client, login_as):
    login_as("coordinator")
    assert 'href="/agendas"' in client.get("/coordination/").get_data(as_text=True)
