"""E-mail addresses are checked with the forms' validator everywhere they enter: CSV import, CLI, territories."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from sched.extensions import db
from sched.models import GP, OutboxEmail, Territory, User

INJECTED = "weird@x\r\nBcc: evil@evil.example"


def test_gp_csv_import_refuses_an_address_with_a_line_break(client, login_as):
    login_as("coordinator")
    content = (
        "nom;prénom;RPPS;e-mail;téléphone;sites\n"
        f'Schmitt;Hélène;10000000017;"{INJECTED}";06 12 34 56 78;Cabinet de garde Test\n'
        "Müller;Jérôme;10000000025;jerome@x;0611223344;\n"
    )
    page = client.post(
        "/coordination/medecins/import",
        data={"file": (io.BytesIO(content.encode()), "medecins.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert page.count("adresse e-mail invalide") == 2, "no dot in the domain either"
    client.post("/coordination/medecins/import", data={"content": content, "confirm": "1"})
    assert db.session.scalar(select(func.count(GP.id))) == 0
    assert db.session.scalar(select(func.count(OutboxEmail.id))) == 0


@pytest.mark.parametrize("address", [INJECTED, "a@b@c.fr", "pas-une-adresse", "x@localhost"])
def test_create_user_command_refuses_a_bad_address_with_one_line(runner, territory, address):
    result = runner.invoke(["create-user", "--email", address, "--name", "X", "--role", "admin", "--invite"])
    assert result.exit_code == 1 and "adresse e-mail invalide" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_territory_addresses_are_checked_when_set(app):
    territory = Territory(name="CPTS", department="57", regulators_email=" Regulation@SAMU57.fr ")
    assert territory.regulators_email == "regulation@samu57.fr"
    with pytest.raises(ValueError, match="adresse e-mail invalide"):
        territory.coordination_email = INJECTED
    territory.coordination_email = ""
    assert territory.coordination_email is None
