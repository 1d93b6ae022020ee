"""The scheduler: its jobs send the right e-mails once, and two processes never run the same job twice."""

from __future__ import annotations

import subprocess
import sys
import time as clock
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from sched import jobs
from sched.extensions import db
from sched.models import (
    Availability,
    AvailabilityAnswer,
    OutboxEmail,
    RosterVersion,
    Shift,
    SolveRequest,
    utcnow,
)
from sched.scheduler import JOBS, build_scheduler, territory_zone
from sched.services import outbox
from tests.factories import PARIS, make_period, numbered_gp, publish_version, second_site
from tests.inbox import text_of

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def job_app(app):
    jobs.use_app(app)
    yield app
    jobs.use_app(None)


def tomorrow():
    return (utcnow().astimezone(PARIS) + timedelta(days=1)).date()


def test_list_jobs_prints_every_job_and_its_next_run(runner):
    result = runner.invoke(args=["scheduler", "--list-jobs"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert [line.split()[0] for line in lines] == [spec.id for spec in JOBS]
    regulators = next(line for line in lines if line.startswith("regulators-list"))
    assert "chaque jour à 17:00" in regulators and "17:00:00 CE" in regulators


def test_scheduler_is_in_the_territorys_time_with_explicit_ids_and_grace(app, territory):
    assert territory_zone() == "Europe/Paris"
    territory.timezone = "America/Cayenne"
    db.session.commit()
    assert territory_zone() == "America/Cayenne"
    assert str(build_scheduler(territory_zone()).timezone) == "America/Cayenne"
    scheduler = build_scheduler("Europe/Paris")
    by_id = {job.id: job for job in scheduler.get_jobs()}
    assert set(by_id) == {
        "outbox",
        "requeue-solves",
        "availability-reminders",
        "close-collection",
        "shift-reminders",
        "regulators-list",
        "escalate-offers",
        "garde-count-reminders",
        "monthly-report",
        "cleanup-job-runs",
    }
    assert all(job.misfire_grace_time and job.coalesce and job.max_instances == 1 for job in by_id.values())
    fire = by_id["regulators-list"].trigger.get_next_fire_time(None, datetime(2027, 7, 1, 18, tzinfo=PARIS))
    assert fire == datetime(2027, 7, 2, 17, tzinfo=PARIS)


def test_reminders_go_only_to_those_who_have_not_answered_and_only_once(job_app, smtp_server, territory):
    answered, silent = numbered_gp(territory, 1), numbered_gp(territory, 2)
    period = make_period(territory, tomorrow() + timedelta(days=20), 3, state="collecting")
    period.opened_at = utcnow() - timedelta(days=10)
    period.deadline = utcnow() + timedelta(hours=30)
    db.session.add(AvailabilityAnswer(gp_id=answered.id, period_id=period.id))
    db.session.commit()
    assert jobs.availability_reminders() == 1
    assert jobs.availability_reminders() == 0, "the 48 h reminder is sent once"
    jobs.flush_outbox()
    assert [m["To"] for m in smtp_server.messages] == [silent.user.email]
    assert "Plus que 48 heures pour répondre." in text_of(smtp_server.messages[0])


def test_halfway_reminder(job_app, smtp_server, territory):
    numbered_gp(territory, 1)
    period = make_period(territory, tomorrow() + timedelta(days=20), 3, state="collecting")
    period.opened_at = utcnow() - timedelta(days=6)
    period.deadline = utcnow() + timedelta(days=5)
    db.session.commit()
    assert jobs.availability_reminders() == 1
    jobs.flush_outbox()
    assert "La moitié du délai de réponse est passée." in text_of(smtp_server.messages[0])


def test_closing_tells_the_coordination_the_answer_rate(job_app, smtp_server, territory):
    territory.coordination_email = "coordination@test.fr"
    gps = [numbered_gp(territory, n) for n in (1, 2, 3, 4)]
    period = make_period(territory, tomorrow() + timedelta(days=20), 3, state="collecting")
    period.deadline = utcnow() - timedelta(minutes=1)
    db.session.add(AvailabilityAnswer(gp_id=gps[0].id, period_id=period.id))
    db.session.commit()
    assert jobs.close_collection() == 1
    assert jobs.close_collection() == 0
    jobs.flush_outbox()
    (message,) = smtp_server.to("coordination@test.fr")
    assert message["Subject"] == f"Recueil clos : {period.name} (25 % de réponses)"
    assert "1 médecin(s) sur 4" in text_of(message)


def test_shift_reminder_the_day_before(job_app, smtp_server, territory):
    gp, other = numbered_gp(territory, 1), numbered_gp(territory, 2)
    period = make_period(territory, tomorrow(), 2)
    publish_version(period, [(period.shifts[0], gp), (period.shifts[1], other)])
    assert jobs.shift_reminders() == 1
    assert jobs.shift_reminders() == 0
    jobs.flush_outbox()
    (message,) = smtp_server.messages
    assert message["To"] == gp.user.email
    assert "vous êtes de garde demain" in text_of(message) and "de 18:00 à 20:00" in text_of(message)
    assert "1 place d'Armes, 57000 Metz" in text_of(message)


def test_shift_reminder_reads_tomorrow_in_the_territorys_time_zone(job_app, smtp_server, territory):
    """A garde at 22:00 tomorrow in Cayenne (UTC-3) starts the day after tomorrow in Paris: it is still tomorrow's."""
    cayenne = ZoneInfo("America/Cayenne")
    territory.timezone = "America/Cayenne"
    gp = numbered_gp(territory, 1)
    day = (utcnow().astimezone(cayenne) + timedelta(days=1)).date()
    period = make_period(territory, day, 1)
    shift = period.shifts[0]
    shift.start_time, shift.end_time = time(22), time(23, 30)
    shift.starts_at = datetime.combine(day, time(22), tzinfo=cayenne)
    shift.ends_at = datetime.combine(day, time(23, 30), tzinfo=cayenne)
    publish_version(period, [(shift, gp)])
    assert shift.starts_at.astimezone(PARIS).date() != day
    assert jobs.shift_reminders() == 1
    jobs.flush_outbox()
    (message,) = smtp_server.messages
    assert "de 22:00 à 23:30" in text_of(message)


def test_regulators_get_tomorrows_list_at_17(job_app, smtp_server, territory):
    territory.regulators_email = "regulation@test.fr"
    gp = numbered_gp(territory, 1)
    period = make_period(territory, tomorrow(), 1)
    north = second_site(territory)
    day = tomorrow()
    uncovered = Shift(
        period=period,
        site_id=north.id,
        date=day,
        start_time=time(18),
        end_time=time(20),
        starts_at=datetime.combine(day, time(18), tzinfo=PARIS),
        ends_at=datetime.combine(day, time(20), tzinfo=PARIS),
    )
    db.session.add(uncovered)
    db.session.commit()
    publish_version(period, [(period.shifts[0], gp)])
    assert jobs.regulators_list() == 1
    assert jobs.regulators_list() == 0
    jobs.flush_outbox()
    (message,) = smtp_server.to("regulation@test.fr")
    body = text_of(message)
    assert message["Subject"].startswith("Gardes SNP du ")
    assert "Cabinet de garde Test" in body and "03 87 00 00 00" in body and "Docteur Numéro 1" in body
    assert "Cabinet de garde Nord" in body and "garde non pourvue" in body
    assert "18:00 – 20:00" in body


def test_outbox_job_keeps_messages_when_smtp_is_down(job_app, territory):
    from sched.services.mail import queue_email
    from tests.inbox import free_port

    job_app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())
    queue_email("a@test.fr", "Sujet", "Texte")
    db.session.commit()
    assert jobs.flush_outbox() == 0
    assert db.session.scalar(select(OutboxEmail.attempts)) == 1
    assert len(outbox.pending()) == 1


def test_no_halfway_reminder_before_halfway_counted_from_the_opening(job_app, smtp_server, territory):
    """A period created long ago but opened yesterday: halfway is counted from its opening, not its creation."""
    numbered_gp(territory, 1)
    period = make_period(territory, tomorrow() + timedelta(days=20), 3, state="collecting")
    period.created_at = utcnow() - timedelta(days=30)
    period.opened_at = utcnow() - timedelta(days=1)
    period.deadline = utcnow() + timedelta(days=5)
    db.session.commit()
    assert jobs.availability_reminders() == 0


def test_requeue_job_publishes_again_a_solve_whose_worker_stopped_beating(job_app, territory):
    """A worker died mid-solve (its heartbeat is old): the job publishes it again and the next worker takes it
    over; a request with a fresh heartbeat, or queued a moment ago, is left to the broker."""
    from sched.services import solving
    from sched.tasks.engine import broker_settings

    gp = numbered_gp(territory, 1)
    dead = make_period(territory, tomorrow() + timedelta(days=20), 2, state="collecting")
    alive = make_period(territory, tomorrow() + timedelta(days=40), 2, state="collecting")
    fresh = make_period(territory, tomorrow() + timedelta(days=60), 2, state="collecting")
    db.session.add_all(Availability(gp_id=gp.id, shift_id=shift.id, level="available") for shift in dead.shifts)
    ids = []
    for period in (dead, alive, fresh):
        ids.append(solving.request_solve(period, None, 5).id)
        db.session.commit()
    for request_id in ids[:2]:
        assert solving.take(request_id, "lost-machine:1") == solving.RUN
    old = utcnow() - timedelta(seconds=job_app.config["TASK_SOLVE_LEASE"] + 1)
    db.session.get(SolveRequest, ids[0]).heartbeat_at = old
    db.session.commit()
    assert jobs.requeue_solves() == 1
    assert jobs.requeue_solves() is None, "one run per minute, whichever scheduler enqueued it"
    _, options = broker_settings(job_app)
    published = list(Path(options["data_folder_in"]).glob("*.msg"))
    assert len(published) == 1 and f"[{ids[0]}]" in published[0].read_text()
    assert solving.take(ids[1], "other:2") == solving.BUSY, "a live worker's solve is not taken over"
    assert solving.execute(ids[0], "other:2") == solving.RUN
    db.session.expire_all()
    done = db.session.get(SolveRequest, ids[0])
    assert (done.state, done.attempt, done.worker) == ("done", 2, "other:2")
    assert db.session.scalar(select(func.count(RosterVersion.id)).where(RosterVersion.period_id == dead.id)) == 1
    assert solving.execute(ids[0], "third:3") == solving.OVER, "a late duplicate message stores nothing"


WORKER = """
import sys, time
from sched import create_app
from sched import jobs
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "SECRET_KEY": "x", "SCHEDULER_ENABLED": False,
                  "BASE_URL": "http://localhost"})
jobs.use_app(app)
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
print(jobs.regulators_list(), jobs.shift_reminders())
"""


def test_two_scheduler_processes_never_run_the_same_job_twice(app, territory):
    territory.regulators_email = "regulation@test.fr"
    gp = numbered_gp(territory, 1)
    period = make_period(territory, tomorrow(), 1)
    publish_version(period, [(period.shifts[0], gp)])
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    start = clock.time() + 6  # both processes imported and waiting: they fire at the same instant
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, url, str(start)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [w.communicate(timeout=120) for w in workers]
    assert all(w.returncode == 0 for w in workers), [err[-2000:] for _, err in results]
    runs = [[int(count) for count in out.split()[-2:]] for out, _ in results]
    # Each job ran in exactly one process (which one wins each lock is a race: both splits are right).
    assert [sum(process[job] for process in runs) for job in range(2)] == [1, 1], runs
    db.session.expire_all()
    kinds = db.session.scalars(select(OutboxEmail.kind).order_by(OutboxEmail.kind)).all()
    assert kinds == ["regulators_list", "shift_reminder"]


def test_the_escalation_job_runs_once_per_slot_and_escalates_near_offers(job_app, territory):
    from sched.models import SwapRequest
    from sched.services import offers
    from tests.web.market_support import build_market

    market = build_market(territory, first_day=utcnow().astimezone(PARIS).date() + timedelta(days=5))
    territory.coordination_email = "coordination@test.fr"
    db.session.commit()
    request = offers.offer(market.shift_of("c"), market.gps["c"], None, None)  # more than 72 h away
    db.session.commit()
    assert request.escalated_at is None
    shift = market.shift_of("c")
    shift.starts_at = utcnow() + timedelta(hours=48, minutes=7, seconds=13)  # the clock has moved: within 72 h
    shift.ends_at = shift.starts_at + timedelta(hours=2)
    db.session.commit()
    assert jobs.escalate_offers() == 1
    assert jobs.escalate_offers() is None, "one run per ten-minute slot, whatever the number of schedulers"
    assert db.session.get(SwapRequest, request.id).escalated_at is not None
    assert "escalate-offers" in [spec.id for spec in JOBS]
