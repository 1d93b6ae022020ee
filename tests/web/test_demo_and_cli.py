"""`python -m sched demo` (content, idempotence) and the other foundation commands."""

from __future__ import annotations

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from sched.extensions import db
from sched.i18n import zone
from sched.models import (
    GP,
    AvailabilityAnswer,
    Base,
    GardeCount,
    Period,
    Person,
    RosterVersion,
    Shift,
    Site,
    SlotBooking,
    Territory,
    User,
    utcnow,
)
from sched.services.demo import DEMO_NAME, REUNION_NAME
from sched.services.identity import rpps_problem


def row_counts() -> dict[str, int]:
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables}


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=["demo", "--solve-seconds", "3"])
    assert result.exit_code == 0, result.output
    assert "Démo chargée" in result.output
    return result


def test_demo_content_and_idempotence(demo, runner):
    metz = db.session.scalar(select(Territory).where(Territory.name == DEMO_NAME))
    assert db.session.scalar(select(func.count()).select_from(Site).where(Site.territory_id == metz.id)) == 3
    gps = db.session.scalars(select(GP).join(GP.user).where(User.territory_id == metz.id)).all()
    assert len(gps) == 40
    assert all(rpps_problem(gp.rpps) is None for gp in gps)
    emails = set(db.session.scalars(select(Person.email)))
    assert {"admin@demo.test", "coordination@demo.test", "regulation@demo.test"} <= emails
    assert {f"medecin{n:02d}@demo.test" for n in range(1, 41)} <= emails

    today = utcnow().astimezone(zone()).date()
    held, published, collecting = db.session.scalars(
        select(Period).where(Period.territory_id == metz.id).order_by(Period.start_date)
    ).all()
    assert held.state == "published" and held.end_date == published.start_date - timedelta(days=1)
    assert db.session.scalar(select(func.count()).select_from(GardeCount)) > 50  # the reports show a whole month
    assert db.session.scalar(select(func.count()).select_from(SlotBooking)) > 50
    assert published.state == "published"
    assert published.start_date <= today <= published.end_date
    assert published.end_date.month != today.month  # the current month and the next
    version = db.session.scalar(select(RosterVersion).where(RosterVersion.period_id == published.id))
    assert version.published_at is not None and len(version.assignments) > 40

    assert collecting.state == "collecting" and collecting.start_date > published.end_date
    answered = db.session.scalar(
        select(func.count()).select_from(AvailabilityAnswer).where(AvailabilityAnswer.period_id == collecting.id)
    )
    assert answered == 28  # 70 % of 40

    # The second CPTS, in Réunion: its own period and people, and medecin01 there too (one login, two accounts).
    reunion = db.session.scalar(select(Territory).where(Territory.name == REUNION_NAME))
    assert reunion.timezone == "Indian/Reunion" and reunion.subdivision == "974"
    shared = db.session.scalars(select(User).where(User.email == "medecin01@demo.test").order_by(User.id)).all()
    assert [u.territory_id for u in shared] == [metz.id, reunion.id]
    assert shared[0].person_id == shared[1].person_id and shared[0].gp.rpps == shared[1].gp.rpps
    states = db.session.scalars(
        select(Period.state).where(Period.territory_id == reunion.id).order_by(Period.start_date)
    )
    assert list(states) == ["published", "collecting"]
    reunion_shift = db.session.scalar(
        select(Shift).join(Shift.period).where(Period.territory_id == reunion.id).limit(1)
    )
    assert reunion_shift.starts_at.astimezone(ZoneInfo("Indian/Reunion")).time() == reunion_shift.start_time

    # idempotent: a second run says so and changes nothing
    before = row_counts()
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0
    assert "déjà chargée" in again.output
    assert row_counts() == before


def test_periods_json(runner, territory):
    from datetime import date

    db.session.add(
        Period(territory=territory, name="janvier 2027", start_date=date(2027, 1, 1), end_date=date(2027, 1, 31))
    )
    db.session.commit()
    result = runner.invoke(args=["periods", "--json"])
    assert result.exit_code == 0
    periods = json.loads(result.output)
    assert periods == [
        {"id": periods[0]["id"], "name": "janvier 2027", "state": "draft", "start_date": "2027-01-01",
         "end_date": "2027-01-31", "deadline": None, "solve": None}
    ]  # fmt: skip


def test_create_user_with_several_roles(runner, territory):
    result = runner.invoke(
        args=["create-user", "--email", "Dr.X@Test.fr", "--name", "Dr X", "--role", "gp", "--role", "coordinator",
              "--password", "mot-de-passe-solide"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "dr.x@test.fr"))
    assert user.role_names == ["gp", "coordinator"]


@pytest.mark.parametrize(
    "args,message",
    [
        (
            ["--email", "a@test.fr", "--name", "A", "--role", "chef", "--password", "mot-de-passe-solide"],
            "rôle inconnu",
        ),
        (
            ["--email", "pas-une-adresse", "--name", "A", "--role", "gp", "--password", "mot-de-passe-solide"],
            "invalide",
        ),
        (["--email", "a@test.fr", "--name", "A", "--role", "gp", "--password", "court"], "10 caractères"),
        (["--email", "a@test.fr", "--name", "A", "--role", "gp"], "--password or --invite"),
    ],
)
def test_create_user_bad_input_is_one_line_and_non_zero(runner, territory, args, message):
    result = runner.invoke(args=["create-user", *args])
    assert result.exit_code != 0
    last_line = result.output.strip().splitlines()[-1]
    assert last_line.startswith("Error: ") and message in last_line  # one readable line, no traceback
    assert "Traceback" not in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_create_user_twice_is_refused(runner, territory):
    args = ["create-user", "--email", "b@test.fr", "--name", "B", "--role", "gp", "--password", "mot-de-passe-solide"]
    assert runner.invoke(args=args).exit_code == 0
    again = runner.invoke(args=args)
    assert again.exit_code == 1
    assert "un compte existe déjà pour b@test.fr" in again.output


def test_create_user_invite_queues_an_invitation(runner, territory):
    from sched.models import OutboxEmail

    result = runner.invoke(args=["create-user", "--email", "c@test.fr", "--name", "Dr C", "--role", "gp", "--invite"])
    assert result.exit_code == 0, result.output
    message = db.session.scalar(select(OutboxEmail))
    assert message.to_addr == "c@test.fr" and "/invitation/" in message.body_text
