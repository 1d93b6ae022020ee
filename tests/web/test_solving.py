"""Background solving: one active request per period, atomic claim, failures stored, sites and templates."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from sched.extensions import db
from sched.models import Period, ShiftTemplate, SolveRequest
from sched.services import solving


@pytest.fixture
def period(territory):
    period = Period(territory_id=territory.id, name="juin 2027", state="collecting",
                    start_date=date(2027, 6, 1), end_date=date(2027, 6, 30))  # fmt: skip
    db.session.add(period)
    db.session.commit()
    return period


def test_second_request_is_refused_and_the_index_backs_it(period):
    solving.request_solve(period, None, 5)
    db.session.commit()
    with pytest.raises(solving.SolveRefused, match="déjà en cours"):
        solving.request_solve(period, None, 5)
    db.session.add(SolveRequest(period_id=period.id, state="queued"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_claim_takes_each_request_once(period):
    solving.request_solve(period, None, 5)
    db.session.commit()
    first = solving.claim_next()
    assert first is not None and solving.claim_next() is None
    assert db.session.get(SolveRequest, first).state == "running"


def test_failure_is_stored_with_its_reason(period, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("solver exploded")

    monkeypatch.setattr(solving.scheduling, "solve_period", broken)
    solving.request_solve(period, None, 5)
    db.session.commit()
    assert solving.run_queued_solves() == 1
    request = db.session.scalar(select(SolveRequest))
    assert request.state == "failed" and "solver exploded" in request.error
    assert db.session.get(Period, period.id).state == "collecting"


def test_draft_period_cannot_be_solved(period):
    period.state = "draft"
    with pytest.raises(solving.SolveRefused):
        solving.request_solve(period, None, 5)


def test_cli_refuses_a_second_solve(runner, period):
    solving.request_solve(period, None, 5)
    db.session.commit()
    result = runner.invoke(args=["solve", str(period.id)])
    assert result.exit_code != 0 and "déjà en cours" in result.output


def test_new_site_gets_default_templates_and_bad_phone_is_refused(client, login_as):
    login_as("coordinator")
    data = {"name": "Cabinet Nord", "address": "3 rue X", "postal_code": "57100", "city": "Thionville",
            "phone": "12", "rooms": 2, "active": "y"}  # fmt: skip
    response = client.post("/coordination/cabinets/nouveau", data=data)
    assert "Numéro de téléphone invalide." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ShiftTemplate.id))) == 0
    client.post("/coordination/cabinets/nouveau", data={**data, "phone": "03 82 12 34 56"})
    templates = db.session.scalars(select(ShiftTemplate)).all()
    assert sorted((t.label, t.start_time.hour, t.end_time.hour) for t in templates) == [
        ("Samedi matin", 9, 13), ("Soir de semaine", 18, 20),
    ]  # fmt: skip


def crashed_request(period: Period) -> SolveRequest:
    """A request left `running` by a worker that died (killed, machine restarted) long ago."""
    from datetime import timedelta

    from sched.models import utcnow

    solving.request_solve(period, None, 5)
    db.session.commit()
    request = db.session.get(SolveRequest, solving.claim_next())
    request.started_at = utcnow() - timedelta(seconds=5 + solving.GRACE_S + 1)
    period.state = "solving"
    db.session.commit()
    return request


def test_a_crashed_solve_is_reclaimed_and_a_new_one_allowed(period):
    crashed = crashed_request(period)
    again = solving.request_solve(period, None, 5)  # refused for ever before: the unique index held the period
    db.session.commit()
    db.session.expire_all()
    crashed = db.session.get(SolveRequest, crashed.id)
    assert crashed.state == "failed" and crashed.error == solving.STALE_MESSAGE and crashed.finished_at
    assert db.session.get(SolveRequest, again.id).state == "queued"
    assert db.session.get(Period, period.id).state == "collecting"


def test_the_worker_reclaims_a_crashed_solve_before_claiming(period):
    crashed = crashed_request(period)
    assert solving.claim_next() is None
    db.session.expire_all()
    assert db.session.get(SolveRequest, crashed.id).state == "failed"


def test_a_running_solve_within_its_deadline_is_left_alone(period):
    solving.request_solve(period, None, 5)
    db.session.commit()
    running = solving.claim_next()
    assert solving.reclaim_stale() == 0
    with pytest.raises(solving.SolveRefused, match="déjà en cours"):
        solving.request_solve(period, None, 5)
    assert db.session.get(SolveRequest, running).state == "running"


def test_a_result_arriving_after_its_reclaim_is_dropped(period, monkeypatch):
    """The worker was only slow: the request was failed meanwhile (and maybe re-run), its late result is not kept."""
    from datetime import timedelta

    from sched.models import RosterVersion, utcnow

    real_solve = solving.scheduling.solve_period

    def slow_solve(*args, **kwargs):
        result = real_solve(*args, **kwargs)
        solving.reclaim_stale(utcnow() + timedelta(hours=1))  # what another process sees past the deadline
        db.session.commit()
        return result

    monkeypatch.setattr(solving.scheduling, "solve_period", slow_solve)
    solving.request_solve(period, None, 5)
    db.session.commit()
    assert solving.run_queued_solves() == 1
    request = db.session.scalar(select(SolveRequest))
    assert request.state == "failed" and request.error == solving.STALE_MESSAGE
    assert db.session.scalar(select(func.count(RosterVersion.id))) == 0


def test_a_solve_out_of_memory_fails_with_its_reason(period, monkeypatch):
    def greedy(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(solving.scheduling, "solve_period", greedy)
    solving.request_solve(period, None, 5)
    db.session.commit()
    assert solving.run_queued_solves() == 1
    request = db.session.scalar(select(SolveRequest))
    assert request.state == "failed"
    assert request.error == "L'optimisation a dépassé la mémoire permise (4096 Mo) : elle a été arrêtée."


def test_a_published_solve_carries_its_hard_time_limit(app, period):
    """The message asks the worker's pool to kill the solve at its time limit + the margin (the folder broker's
    files are the messages as any broker carries them)."""
    import json
    from pathlib import Path

    from sched.tasks import enqueue_solve

    request = solving.request_solve(period, None, 45)
    db.session.commit()
    assert enqueue_solve(request)
    (message,) = Path(app.config["TASK_BROKER_FOLDER"]).glob("*.msg")
    headers = json.loads(message.read_text())["headers"]
    assert headers["task"] == "sched.solve" and headers["timelimit"] == [45 + solving.HARD_MARGIN_S, None]


def test_a_worker_child_runs_under_the_memory_limit(app):
    """The pool child's set-up limits its address space: an allocation beyond it is a MemoryError, not the machine's
    memory (run in a child process: the limit must not bind the test run)."""
    import subprocess
    import sys
    from pathlib import Path

    script = (
        "from celery import signals\n"
        "from sched import create_app\n"
        "from sched.tasks.work import prepare_worker_processes\n"
        f"app = create_app({{'SQLALCHEMY_DATABASE_URI': {app.config['SQLALCHEMY_DATABASE_URI']!r}, 'SECRET_KEY': 'x',\n"
        "                  'TASK_MEMORY_LIMIT_MB': 1024})\n"
        "prepare_worker_processes(app)\n"
        "signals.worker_process_init.send(sender=None)\n"
        "try:\n"
        "    bytearray(2 * 1024 ** 3)\n"
        "except MemoryError:\n"
        "    print('refused')\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "refused", done.stderr[-2000:]
