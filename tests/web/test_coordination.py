"""Coordination: period → open → solve (queued, run by the worker) → review → pin → re-solve → publish → amend."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, time
from pathlib import Path

import pytest
from sqlalchemy import func, select

import solver
from sched.extensions import db
from sched.models import (
    GP,
    Assignment,
    AuditEvent,
    Availability,
    AvailabilityAnswer,
    OutboxEmail,
    Period,
    RosterVersion,
    ShiftTemplate,
    SolveRequest,
)
from sched.services import scheduling
from sched.services.solving import run_queued_solves
from tests.factories import make_user

RPPS = ["10000000008", "10000000016", "10000000024", "10000000032", "10000000040", "10000000057"]


@pytest.fixture
def setup(territory):
    """One site with weekday 18–20 h (min 1, target 2) and Saturday templates, and six GPs."""
    site = territory.sites[0]
    db.session.add_all(
        [
            ShiftTemplate(site=site, label="Soir", weekday_mask=0b11111, start_time=time(18), end_time=time(20),
                          min_gps=1, target_gps=2, priority=2),
            ShiftTemplate(site=site, label="Samedi", weekday_mask=0b100000, start_time=time(9), end_time=time(13),
                          min_gps=1, target_gps=1, priority=3),
        ]
    )  # fmt: skip
    db.session.commit()
    gps = [make_user(territory, "gp", f"gp{i}@test.fr", RPPS[i]).gp for i in range(6)]
    return territory, site, gps


def answer_all(period: Period, gps: list[GP], skip_shift: int | None = None) -> None:
    """The GPs answer straight in the database (their page has its own tests): each is available every other day."""
    for n, gp in enumerate(gps):
        for i, shift in enumerate(period.shifts):
            if (i + n) % 3 == 0 and shift.id != skip_shift:
                db.session.add(
                    Availability(gp_id=gp.id, shift_id=shift.id, level="preferred" if n % 2 else "available")
                )
        db.session.add(AvailabilityAnswer(gp_id=gp.id, period_id=period.id))
    db.session.commit()


def create_and_open(client) -> Period:
    response = client.post("/coordination/periodes/nouvelle", data={"kind": "month", "start": "2027-05"})
    assert response.status_code == 302
    period = db.session.scalar(select(Period).where(Period.name == "mai 2027"))
    response = client.post(f"/coordination/periodes/{period.id}/ouvrir", data={"deadline": "2027-04-20"})
    assert response.status_code == 302
    return period


def assert_every_version_checks(period: Period) -> None:
    for version in db.session.scalars(select(RosterVersion).where(RosterVersion.period_id == period.id)):
        report = scheduling.check_version(period, version)
        assert report.valid, (version.number, report.violations)


def test_create_period_removes_public_holidays(client, login_as, setup):
    login_as("coordinator")
    client.post("/coordination/periodes/nouvelle", data={"kind": "month", "start": "2027-05"})
    period = db.session.scalar(select(Period).where(Period.name == "mai 2027"))
    days = {s.date.day for s in period.shifts}
    assert {1, 8, 6} & days == set()  # 1 May (Saturday), 8 May (Saturday), Ascension 6 May
    assert 3 in days and 29 in days
    page = client.get(f"/coordination/periodes/{period.id}").get_data(as_text=True)
    assert "Ascension" in page


def test_bad_month_keeps_input_and_writes_nothing(client, login_as, setup):
    login_as("coordinator")
    response = client.post("/coordination/periodes/nouvelle", data={"kind": "month", "start": "mai"})
    assert response.status_code == 200
    assert "Choisissez un mois, par exemple « mars 2027 »." in response.get_data(as_text=True)
    assert 'value="mai"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Period.id))) == 0


def test_whole_month(client, login_as, setup):
    territory, site, gps = setup
    coordinator = login_as("coordinator")
    period = create_and_open(client)
    assert period.state == "collecting"
    assert db.session.scalar(select(func.count(OutboxEmail.id))) >= len(gps)
    first_shift = period.shifts[0]
    answer_all(period, gps, skip_shift=first_shift.id)

    heat = client.get(f"/coordination/periodes/{period.id}/carte").get_data(as_text=True)
    assert "heat low" in heat and "Préfèrent : " in heat

    response = client.post(f"/coordination/periodes/{period.id}/optimiser", data={"time_limit_s": 5})
    assert response.status_code == 302
    second = client.post(
        f"/coordination/periodes/{period.id}/optimiser", data={"time_limit_s": 5}, follow_redirects=True
    )
    assert "Une optimisation est déjà en cours pour cette période." in second.get_data(as_text=True)
    assert run_queued_solves() == 1
    request = db.session.scalar(select(SolveRequest))
    assert request.state == "done", request.error
    assert request.progress
    result = client.get(f"/coordination/optimisations/{request.id}").get_data(as_text=True)
    assert "Le planning est prêt." in result and "garde non pourvue" in result and "pondérées" not in result
    db.session.refresh(period)
    assert period.state == "collecting"  # the deadline is weeks away: a trial, the collection stays open
    assert_every_version_checks(period)

    page = client.get(f"/coordination/periodes/{period.id}/planning").get_data(as_text=True)
    assert "garde non pourvue" in page  # nobody is available on the first shift
    assert "Équité" in page and gps[0].name in page

    # A manual change breaking a rule is refused and explained; with a reason it is pinned and audited.
    refused = client.post(
        f"/coordination/periodes/{period.id}/planning/affecter",
        data={"shift_id": first_shift.id, "gp_id": gps[0].id},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "n&#39;est pas disponible" in refused or "n'est pas disponible" in refused
    client.post(
        f"/coordination/periodes/{period.id}/planning/affecter",
        data={"shift_id": first_shift.id, "gp_id": gps[0].id, "reason": "Accord téléphonique"},
    )
    forced = db.session.scalar(select(Assignment).where(Assignment.shift_id == first_shift.id))
    assert forced.pinned and forced.override_reason == "Accord téléphonique"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "roster.assign")) is not None

    # Re-solving keeps the pin (and its reason); the version number stays 1 (the draft is replaced).
    client.post(f"/coordination/periodes/{period.id}/optimiser", data={"time_limit_s": 5})
    run_queued_solves()
    draft = db.session.scalar(select(RosterVersion).order_by(RosterVersion.id.desc()))
    assert draft.number == 1
    kept = [a for a in draft.assignments if a.shift_id == first_shift.id]
    assert kept and kept[0].gp_id == gps[0].id and kept[0].pinned and kept[0].override_reason
    assert scheduling.check_version(period, draft).valid

    mails_before = db.session.scalar(select(func.count(OutboxEmail.id)))
    # Before the deadline « Publier » asks first, and says who will be e-mailed; nothing is published yet.
    asked = client.post(f"/coordination/periodes/{period.id}/publier").get_data(as_text=True)
    assert "Publier quand même" in asked and "date limite des réponses n'est pas passée" in asked
    db.session.refresh(period)
    assert period.state == "collecting" and draft.published_at is None
    client.post(f"/coordination/periodes/{period.id}/publier", data={"confirmed": "1"})
    db.session.refresh(period)
    assert period.state == "published" and draft.published_at is not None
    assert db.session.scalar(select(func.count(OutboxEmail.id))) > mails_before  # the GPs are told
    problem = scheduling.problem_from_db(period, draft)
    assert solver.check(problem, scheduling.roster_solution(draft)).valid

    # A withdrawal after publication: version 2, re-solved with the published roster as `previous`.
    victim = next(a for a in draft.assignments if not a.pinned)
    victim_gp, victim_shift = victim.gp_id, victim.shift_id
    client.post(
        f"/coordination/periodes/{period.id}/planning/retirer",
        data={"shift_id": victim_shift, "gp_id": victim_gp, "withdrawal": "y"},
    )
    client.post(f"/coordination/periodes/{period.id}/optimiser", data={"time_limit_s": 5})
    run_queued_solves()
    amended = db.session.scalar(select(RosterVersion).where(RosterVersion.number == 2))
    assert amended is not None and amended.published_at is None
    assert (victim_shift, victim_gp) not in {(a.shift_id, a.gp_id) for a in amended.assignments}
    diff = client.get(f"/coordination/periodes/{period.id}/versions/comparer?a=1&b=2").get_data(as_text=True)
    assert "<del>" in diff and db.session.get(GP, victim_gp).name in diff
    client.post(f"/coordination/periodes/{period.id}/publier")
    db.session.refresh(period)
    assert period.state == "amended"
    assert scheduling.check_version(period, amended).valid
    # Version 1 stays readable.
    assert "planning publié, version 1" in client.get(
        f"/coordination/periodes/{period.id}/planning?version=1"
    ).get_data(as_text=True)
    csv_text = client.get(f"/coordination/periodes/{period.id}/export.csv").get_data(as_text=True)
    assert "cabinet de garde" in csv_text and site.name in csv_text
    printed = client.get(f"/coordination/periodes/{period.id}/impression").get_data(as_text=True)
    assert "planning publié, version 2" in printed and "coord-print" in printed
    assert coordinator.full_name in client.get("/coordination/journal").get_data(as_text=True)


def test_cli_solve_and_exports_pass_the_checker(runner, setup, tmp_path):
    territory, site, gps = setup
    period = Period(territory_id=territory.id, name="juin 2027", state="collecting",
                    start_date=date(2027, 6, 1), end_date=date(2027, 6, 30))  # fmt: skip
    db.session.add(period)
    db.session.flush()
    from sched.services.periods import generate_shifts

    generate_shifts(period, territory)
    answer_all(period, gps)
    result = runner.invoke(args=["solve", str(period.id), "--time-limit", "5"])
    assert result.exit_code == 0, result.output
    assert "version 1" in result.output
    problem_file, roster_file = tmp_path / "p.json", tmp_path / "r.json"
    assert runner.invoke(args=["export-problem", str(period.id), "-o", str(problem_file)]).exit_code == 0
    assert runner.invoke(args=["export-roster", str(period.id), "-o", str(roster_file)]).exit_code == 0
    check = subprocess.run(
        [sys.executable, "-m", "solver", "check", str(problem_file), str(roster_file)],
        capture_output=True, text=True, cwd=str(Path(__file__).resolve().parents[2]),
    )  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr
    assert runner.invoke(args=["solve", "999"]).exit_code != 0


def test_override_breaking_a_limit_is_reported_by_the_solver(client, login_as, setup):
    territory, site, gps = setup
    login_as("coordinator")
    period = create_and_open(client)
    answer_all(period, gps)
    gp = gps[0]
    gp.max_shifts = 1
    db.session.commit()
    url = f"/coordination/periodes/{period.id}/planning/affecter"
    for shift in period.shifts[:2]:
        client.post(url, data={"shift_id": shift.id, "gp_id": gp.id, "reason": "Remplacement convenu"})
    page = client.get(f"/coordination/periodes/{period.id}/planning").get_data(as_text=True)
    assert "gardes sur la période (maximum 1)" in page  # checked at once, shown in French with the name
    client.post(f"/coordination/periodes/{period.id}/optimiser", data={"time_limit_s": 5})
    run_queued_solves()
    request = db.session.scalar(select(SolveRequest))
    assert request.state == "failed"
    assert request.error.startswith("Les gardes épinglées sont incompatibles avec les règles")
    assert gp.name in request.error and "g1" not in request.error.split(":", 1)[1].split()
    page = client.get(f"/coordination/optimisations/{request.id}").get_data(as_text=True)
    assert "Échec" in page


def test_closures_and_staffing_of_many_shifts(client, login_as, setup):
    territory, site, gps = setup
    login_as("coordinator")
    period = create_and_open(client)
    closed, *others = period.shifts[:4]
    client.post(f"/coordination/periodes/{period.id}/gardes/{closed.id}/fermeture")
    response = client.post(
        f"/coordination/periodes/{period.id}/gardes/effectifs",
        data={"shift_ids": [s.id for s in others], "min_gps": 2, "target_gps": 1},
    )
    assert response.status_code == 422
    assert "La cible doit être au moins égale au minimum." in response.get_data(as_text=True)
    client.post(
        f"/coordination/periodes/{period.id}/gardes/effectifs",
        data={"shift_ids": [s.id for s in others], "min_gps": 2, "target_gps": 2},
    )
    db.session.expire_all()
    assert db.session.get(type(closed), closed.id).closed
    assert {(s.min_gps, s.target_gps) for s in others} == {(2, 2)}
    problem = scheduling.problem_from_db(period)
    assert f"s{closed.id}" not in {s["id"] for s in problem["shifts"]}
    answers = client.get(f"/coordination/periodes/{period.id}/reponses").get_data(as_text=True)
    assert "pas de réponse" in answers and gps[0].name in answers
