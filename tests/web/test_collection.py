"""The collection stays under the coordination's control: trial solves, publish confirmation, reopening, answers
received by phone or paper typed by the coordination."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from sched.extensions import db
from sched.models import AuditEvent, Availability, AvailabilityAnswer, Period, utcnow
from sched.services.solving import run_queued_solves
from tests.factories import PASSWORD, add_templates, make_user, open_period, shifts_of


@pytest.fixture
def period(territory) -> Period:
    add_templates(territory.sites[0])
    return open_period(territory, date(2027, 2, 1), date(2027, 2, 28), utcnow() + timedelta(days=10), "février 2027")


def gp_client(app, territory, email: str = "gp@test.fr"):
    """A second browser: a GP logged in beside the coordinator's `client`."""
    user = make_user(territory, "gp", email)
    browser = app.test_client()
    assert browser.post("/connexion", data={"email": email, "password": PASSWORD}).status_code == 302
    return browser, user.gp


def grid(period: Period, level: str = "available", every: int = 1) -> dict[str, str]:
    return {f"shift-{s.id}": level for i, s in enumerate(shifts_of(period)) if i % every == 0} | {"save": "1"}


def solve(client, period: Period) -> None:
    assert client.post(f"/coordination/periodes/{period.id}/optimiser", data={"time_limit_s": 5}).status_code == 302
    assert run_queued_solves() == 1
    db.session.expire_all()


def test_trial_solve_keeps_the_collection_open_and_gps_can_still_answer(app, client, login_as, territory, period):
    login_as("coordinator")
    browser, gp = gp_client(app, territory)
    assert browser.post(f"/gp/disponibilites/{period.id}", data=grid(period, every=2)).status_code == 302
    solve(client, period)
    assert db.session.get(Period, period.id).state == "collecting"
    page = client.get(f"/coordination/periodes/{period.id}").get_data(as_text=True)
    assert "une optimisation maintenant est un essai" in page
    assert browser.post(f"/gp/disponibilites/{period.id}", data=grid(period)).status_code == 302
    assert len(db.session.scalars(select(Availability)).all()) == len(shifts_of(period))


def test_solve_after_the_deadline_moves_the_period_to_review(client, login_as, period):
    login_as("coordinator")
    period.deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    solve(client, period)
    assert db.session.get(Period, period.id).state == "review"


def test_publish_with_non_respondents_asks_and_names_who_is_emailed(app, client, login_as, territory, period):
    login_as("coordinator")
    browser, gp = gp_client(app, territory)
    make_user(territory, "gp", "silent@test.fr", rpps="10000000016").full_name = "Dr Silencieux"
    db.session.commit()
    browser.post(f"/gp/disponibilites/{period.id}", data=grid(period))
    period.deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    solve(client, period)
    asked = client.post(f"/coordination/periodes/{period.id}/publier")
    text = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Publier quand même" in text
    assert "1 médecin n&#39;a pas répondu" in text or "1 médecin n'a pas répondu" in text
    assert "Dr Silencieux" in text and "gp@test.fr" in text and "date limite des réponses n'est pas passée" not in text
    assert db.session.get(Period, period.id).state == "review"
    client.post(f"/coordination/periodes/{period.id}/publier", data={"confirmed": "1"})
    assert db.session.get(Period, period.id).state == "published"


def test_everyone_answered_after_the_deadline_publishes_at_once(app, client, login_as, territory, period):
    login_as("coordinator")
    browser, _ = gp_client(app, territory)
    browser.post(f"/gp/disponibilites/{period.id}", data=grid(period))
    period.deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    solve(client, period)
    assert client.post(f"/coordination/periodes/{period.id}/publier").status_code == 302
    assert db.session.get(Period, period.id).state == "published"


def test_reopen_with_a_new_deadline(app, client, login_as, territory, period):
    login_as("coordinator")
    browser, _ = gp_client(app, territory)
    period.deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    solve(client, period)
    assert browser.post(f"/gp/disponibilites/{period.id}", data=grid(period)).status_code == 409

    past = client.post(f"/coordination/periodes/{period.id}/rouvrir", data={"deadline": "2020-01-01"})
    text = past.get_data(as_text=True)
    assert past.status_code == 422 and "La nouvelle date limite doit être dans le futur." in text
    assert 'value="2020-01-01"' in text  # the typed value is kept
    assert client.post(f"/coordination/periodes/{period.id}/rouvrir", data={"deadline": ""}).status_code == 422
    assert db.session.get(Period, period.id).state == "review"

    new_deadline = (date.today() + timedelta(days=7)).isoformat()
    reopen = f"/coordination/periodes/{period.id}/rouvrir"
    assert client.post(reopen, data={"deadline": new_deadline}).status_code == 302
    db.session.expire_all()
    reopened = db.session.get(Period, period.id)
    assert reopened.state == "collecting" and reopened.deadline > utcnow() + timedelta(days=6)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "period.reopen")) is not None
    assert browser.post(f"/gp/disponibilites/{period.id}", data=grid(period)).status_code == 302


def test_reopen_is_refused_once_a_roster_is_published(client, login_as, period):
    login_as("coordinator")
    period.deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    solve(client, period)
    client.post(f"/coordination/periodes/{period.id}/publier", data={"confirmed": "1"})
    new_deadline = (date.today() + timedelta(days=7)).isoformat()
    refused = client.post(f"/coordination/periodes/{period.id}/rouvrir", data={"deadline": new_deadline})
    assert refused.status_code == 422 and "Un planning est déjà publié" in refused.get_data(as_text=True)
    assert db.session.get(Period, period.id).state == "published"


def test_coordination_enters_an_answer_received_by_phone(app, client, login_as, territory, period):
    coordinator = login_as("coordinator")
    browser, gp = gp_client(app, territory)
    period.deadline = utcnow() - timedelta(minutes=1)  # a paper answer arrives late: still typed in
    db.session.commit()
    answers = client.get(f"/coordination/periodes/{period.id}/reponses").get_data(as_text=True)
    entry = f"/coordination/periodes/{period.id}/reponses/{gp.id}"
    assert entry in answers and "pas de réponse" in answers
    page = client.get(entry).get_data(as_text=True)
    assert "Disponibilités de Utilisateur gp" in page and f'action="{entry}"' in page

    data = grid(period, "preferred", every=3) | {"max_shifts": "4", "comment": "Par téléphone le 3"}
    assert client.post(entry, data=data).status_code == 302
    answer = db.session.scalar(select(AvailabilityAnswer))
    assert answer.entered_by_id == coordinator.id and answer.max_shifts == 4
    assert {a.level for a in db.session.scalars(select(Availability))} == {"preferred"}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "availability.enter"))
    assert event.actor_id == coordinator.id and event.details["gp"] == gp.id

    listed = client.get(f"/coordination/periodes/{period.id}/reponses").get_data(as_text=True)
    assert "saisi par la coordination" in listed and coordinator.full_name in listed and "Corriger" in listed
    own = browser.get(f"/gp/disponibilites/{period.id}").get_data(as_text=True)
    assert "saisi par la coordination" in own and coordinator.full_name in own
    home = browser.get("/gp/").get_data(as_text=True)
    assert "saisi par la coordination" in home and coordinator.full_name in home

    # The GP saving it again (collection reopened) makes it theirs.
    period.deadline = utcnow() + timedelta(days=1)
    db.session.commit()
    browser.post(f"/gp/disponibilites/{period.id}", data=grid(period))
    db.session.expire_all()
    assert db.session.scalar(select(AvailabilityAnswer)).entered_by_id is None


def test_answer_entry_of_another_territory_gp_is_404(client, login_as, territory, period):
    from sched.models import GP, Site, Territory

    login_as("coordinator")
    other = Territory(name="Autre", department="54", timezone="Europe/Paris")
    db.session.add(Site(territory=other, name="Ailleurs", address="x", postal_code="54000", city="Nancy",
                        phone="+33383000000", rooms=1))  # fmt: skip
    db.session.commit()
    stranger = make_user(other, "gp", "stranger@test.fr", rpps="10000000024").gp
    assert isinstance(stranger, GP)
    entry = f"/coordination/periodes/{period.id}/reponses/{stranger.id}"
    assert client.get(entry).status_code == 404
    assert client.post(entry, data=grid(period)).status_code == 404
