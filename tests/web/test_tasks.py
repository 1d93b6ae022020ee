"""The task engine for real: `python -m sched worker` processes on the embedded folder broker, on Redis and on
RabbitMQ (the machine's servers; under CI=true a missing one fails), a worker killed with SIGKILL in the middle
of a solve, two schedulers enqueuing the same job.

Each test has its own queue names (and Redis key prefix), so parallel runs on the same servers never meet.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from sched.extensions import db
from sched.models import AuditEvent, JobRun, OutboxEmail, Period, RosterVersion, SolveRequest, utcnow
from sched.services.demo import load_demo
from tests.factories import base_config, make_period, numbered_gp, publish_version

ROOT = Path(__file__).resolve().parents[2]
BROKERS = {
    "redis": ("127.0.0.1", 6379, "redis://127.0.0.1:6379/0"),
    "rabbitmq": ("127.0.0.1", 5672, "amqp://guest:guest@127.0.0.1:5672//"),
}
LEASE_S = 6
pytestmark = pytest.mark.slow


def broker_answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture(params=["embedded", "redis", "rabbitmq"])
def broker(request, tmp_path) -> dict:
    """The task settings of one broker; its queues (and Redis keys) are removed after the test."""
    prefix = f"snp-test-{os.getpid()}-{secrets.token_hex(4)}"
    settings = {
        "TASK_QUEUE_PREFIX": prefix,
        "TASK_BROKER_URL": "",
        "TASK_BROKER_FOLDER": str(tmp_path / "broker"),
        "TASK_SOLVE_LEASE": LEASE_S,
        "TASK_VISIBILITY_TIMEOUT": 10,
    }
    if request.param != "embedded":
        host, port, url = BROKERS[request.param]
        if not broker_answers(host, port):
            message = f"{request.param} does not answer on {host}:{port}"
            if os.environ.get("CI") == "true":
                pytest.fail(f"CI=true and {message}: the broker tests FAIL")
            pytest.skip(message)
        settings["TASK_BROKER_URL"] = url
    yield settings
    forget_queues(settings)


def forget_queues(settings: dict) -> None:
    url, prefix = settings["TASK_BROKER_URL"], settings["TASK_QUEUE_PREFIX"]
    if url.startswith("redis"):
        import redis

        client = redis.Redis.from_url(url)
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)
    elif url.startswith("amqp"):
        from kombu import Connection

        with Connection(url) as conn:
            channel = conn.default_channel
            for kind in ("solves", "jobs"):
                channel.queue_delete(f"{prefix}-{kind}")
                channel.exchange_delete(f"{prefix}-{kind}")


@pytest.fixture
def app_config(test_database, tmp_path, broker) -> dict:
    return {**base_config(test_database, tmp_path), **broker}


class Worker:
    """A `python -m sched worker` process in its own session (so a SIGKILL of its group is a machine lost)."""

    def __init__(self, app, log: Path) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "SNP_INSTANCE_DIR": str(log.parent),
            "SECRET_KEY": "test",
            "SNP_SOLVER_WORKERS": "1",
            "PYTHONUNBUFFERED": "1",
            **{key: str(app.config[key]) for key in app.config if key.startswith("TASK_")},
        }
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sched", "worker", "--concurrency", "1"],
            cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    def wait_ready(self) -> None:
        wait_for(lambda: " ready." in self.log.read_text(), f"worker ready ({self.log})", 90)

    def kill(self) -> None:
        """SIGKILL to the worker and its pool children at once."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)


@pytest.fixture
def workers(app, tmp_path):
    started: list[Worker] = []

    def start(count: int) -> list[Worker]:
        new = [Worker(app, tmp_path / f"worker-{len(started) + i}.log") for i in range(count)]
        started.extend(new)
        for worker in new:
            worker.wait_ready()
        return new

    yield start
    for worker in started:
        worker.stop()


def wait_for(condition, what: str, seconds: float) -> None:
    """Poll for an event (not a timing assertion): fail with `what` if it has not happened within `seconds`."""
    give_up = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > give_up:
            pytest.fail(f"waited {seconds} s for: {what}")
        time.sleep(0.05)


def current(request_id: int) -> SolveRequest:
    db.session.rollback()  # a fresh snapshot of what the workers wrote
    return db.session.get(SolveRequest, request_id)


def queue_solve(runner, period_id: int, seconds: int = 20) -> int:
    result = runner.invoke(args=["solve", str(period_id), "--queue", "--time-limit", str(seconds)])
    assert result.exit_code == 0, result.output
    assert "queued" in result.output
    return db.session.scalar(select(func.max(SolveRequest.id)))


def demo_period() -> Period:
    """The demo (40 GPs, 3 cabinets de garde) and its two-month published period: a solve of a few seconds."""
    assert load_demo((utcnow() + timedelta(days=1)).date(), 1.0)
    db.session.commit()
    return db.session.scalar(select(Period).where(Period.state == "published"))


def versions_of(period_id: int) -> list[RosterVersion]:
    return db.session.scalars(select(RosterVersion).where(RosterVersion.period_id == period_id)).all()


def test_a_queued_solve_is_run_by_a_worker_and_periods_json_shows_it(app, runner, workers):
    period = demo_period()
    before = len(versions_of(period.id))
    (worker,) = workers(1)
    request_id = queue_solve(runner, period.id, 10)
    wait_for(lambda: current(request_id).state in ("done", "failed"), "the solve to finish", 120)
    request = current(request_id)
    assert request.state == "done", request.error
    assert request.attempt == 1 and os.getpgid(int(request.worker.split(":")[1])) == worker.process.pid
    assert len(versions_of(period.id)) == before + 1
    listed = json.loads(runner.invoke(args=["periods", "--json"]).output)
    (shown,) = [p for p in listed if p["id"] == period.id]
    assert shown["solve"]["state"] == "done" and shown["solve"]["version_id"] == request.version_id


def test_a_solve_whose_worker_is_killed_is_finished_by_the_other_once(app, runner, workers, broker, tmp_path):
    """Done when: two workers, a solve queued, the one running it killed with SIGKILL, the other finishes it;
    the period has exactly one new draft version, which `python -m solver check` accepts."""
    if not broker["TASK_BROKER_URL"]:
        pytest.skip("the folder transport of `make run` has one worker and no redelivery")
    period = demo_period()
    before = {v.id for v in versions_of(period.id)}
    pair = workers(2)
    request_id = queue_solve(runner, period.id)
    wait_for(lambda: current(request_id).state != "queued", "a worker to take the solve", 60)
    first = current(request_id)
    assert (first.state, first.attempt) == ("running", 1), first.error
    victim = next(w for w in pair if w.process.pid == os.getpgid(int(first.worker.split(":")[1])))
    victim.kill()
    assert current(request_id).state == "running", "the kill came too late: the solve was already over"
    survivor = next(w for w in pair if w is not victim)
    wait_for(lambda: current(request_id).state in ("done", "failed"), "the other worker to finish it", 180)
    done = current(request_id)
    assert done.state == "done", done.error
    assert done.attempt == 2 and os.getpgid(int(done.worker.split(":")[1])) == survivor.process.pid
    new = [v for v in versions_of(period.id) if v.id not in before]
    assert [(v.id, v.published_at) for v in new] == [(done.version_id, None)], "exactly one new draft version"
    takeovers = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "solve.takeover")).all()
    assert len(takeovers) == 1
    problem, roster = tmp_path / "problem.json", tmp_path / "roster.json"
    number = str(new[0].number)
    assert (
        runner.invoke(args=["export-problem", str(period.id), "--version", number, "-o", str(problem)]).exit_code == 0
    )
    assert runner.invoke(args=["export-roster", str(period.id), "--version", number, "-o", str(roster)]).exit_code == 0
    check = subprocess.run(
        [sys.executable, "-m", "solver", "check", str(problem), str(roster)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr


SCHEDULER = """
import sys, time
from sched import create_app, jobs
from sched.scheduler import JOBS, enqueue
app = create_app()
jobs.use_app(app)
time.sleep(max(0.0, float(sys.argv[1]) - time.time()))
for spec in JOBS:
    if spec.id in ("regulators-list", "shift-reminders"):
        enqueue(spec)
"""


def test_two_schedulers_enqueue_a_job_twice_and_it_runs_once(app, territory, workers, broker, tmp_path):
    territory.regulators_email = "regulation@test.fr"
    gp = numbered_gp(territory, 1)
    # On duty tomorrow and the day after: the jobs compute « tomorrow » when they run, which may be after the
    # territory's midnight (the run of 22:58 UTC failed so with one day).
    period = make_period(territory, (utcnow() + timedelta(days=1)).astimezone(ZoneInfo(territory.timezone)).date(), 2)
    publish_version(period, [(shift, gp) for shift in period.shifts])
    pair = workers(2)
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SNP_INSTANCE_DIR": str(tmp_path),
        "SECRET_KEY": "test",
        **{key: str(app.config[key]) for key in app.config if key.startswith("TASK_")},
    }
    start = time.time() + 6  # both imported and waiting: they enqueue at the same instant
    schedulers = [
        subprocess.Popen([sys.executable, "-c", SCHEDULER, str(start)], cwd=ROOT, env=env, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    for scheduler in schedulers:
        _, err = scheduler.communicate(timeout=120)
        assert scheduler.returncode == 0, err.decode()[-2000:]

    def both_jobs_done() -> bool:
        db.session.rollback()
        runs = db.session.scalars(select(JobRun).where(JobRun.job_id.in_(("regulators-list", "shift-reminders"))))
        return sorted(r.job_id for r in runs) == ["regulators-list", "shift-reminders"]

    wait_for(both_jobs_done, "the workers to run both jobs", 120)

    def ran(worker: Worker) -> int:
        return sum("sched.job[" in line and "succeeded" in line for line in worker.log.read_text().splitlines())

    wait_for(lambda: sum(ran(w) for w in pair) == 4, "the duplicate messages to run too (adding nothing)", 60)
    db.session.rollback()
    recipients = sorted(db.session.scalars(select(OutboxEmail.to_addr)))
    assert recipients == sorted([gp.user.email, "regulation@test.fr"])
