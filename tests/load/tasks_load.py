"""Simulation of a regional platform: many territories solving their month on 2 task workers while their
regulators read the daily list every minute. Loopback only, bounded (--max-seconds), stops by itself.

    .venv/bin/python -m tests.load.tasks_load [--territories 50] [--regulators 5] [--workers 2] [--gps 20]
        [--solve-seconds 5] [--read-every 60] [--max-seconds 900] [--database-url postgresql+psycopg://…]
        [--broker-url redis://127.0.0.1:6379/0]

Builds a fresh database (a new PostgreSQL database beside --database-url's, dropped at the end; SQLite when
none is given): per territory 2 cabinets de garde, --gps GPs who answered for next month (about 60 % of the
gardes available or preferred), today's published gardes with their créneaux and --regulators regulator
accounts. Starts gunicorn (2 workers) and --workers `python -m sched worker --concurrency 1` on the broker (its
own queue names), logs every regulator in, then enqueues every territory's solve at once — as the « Optimiser »
buttons would — while each regulator reloads /regulation/ every --read-every seconds. Prints the queue wait
(requested → started) and the solve time (started → finished) of the solves, and the list's p50 / p95 / p99.
"""

from __future__ import annotations

import argparse
import http.client
import http.cookiejar
import os
import random
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.load.regulation_load import USER_AGENT, free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "charge-plateforme-2027"


def quantiles(values: list[float]) -> str:
    if not values:
        return "none"
    q = statistics.quantiles(values, n=100, method="inclusive") if len(values) > 1 else [values[0]] * 99
    return f"p50 {q[49]:.1f}  p95 {q[94]:.1f}  p99 {q[98]:.1f}  max {max(values):.1f}"


def build(url: str, instance: Path, args: argparse.Namespace) -> list[str]:
    """Schema, territories, answers, today's gardes, regulators; returns the regulators' e-mails."""
    os.environ.update(DATABASE_URL=url, SNP_INSTANCE_DIR=str(instance))
    from sched import create_app
    from sched.extensions import db
    from sched.models import Availability, AvailabilityAnswer, Territory, utcnow
    from sched.services.accounts import create_user
    from sched.services.passwords import hash_password
    from tests.factories import add_gp, add_site, add_templates, open_period, publish_day

    rng = random.Random(2027)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    emails = []
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        today = utcnow().date()
        first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        password_hash = hash_password(PASSWORD)  # one argon2 hash for all: building 250 would be the slow part
        for t in range(1, args.territories + 1):
            territory = Territory(name=f"CPTS Charge {t:02d}", department="57")
            db.session.add(territory)
            sites = [add_site(territory, f"Cabinet de garde {t:02d}-{s}") for s in (1, 2)]
            for site in sites:
                add_templates(site)
            gps = [add_gp(territory, f"T{t:02d} {n:02d}") for n in range(1, args.gps + 1)]
            for gp in gps:
                gp.sites = list(sites)
            period = open_period(territory, first, last, None, f"{first:%m/%Y} {t:02d}")
            for gp in gps:
                db.session.add(AvailabilityAnswer(gp_id=gp.id, period_id=period.id, answered_at=utcnow()))
                for shift in period.shifts:
                    level = rng.choices(["unavailable", "available", "preferred"], [40, 45, 15])[0]
                    if level != "unavailable":
                        db.session.add(Availability(gp_id=gp.id, shift_id=shift.id, level=level))
            publish_day(territory, today, {site: gps[2 * i : 2 * i + 2] for i, site in enumerate(sites)})
            for r in range(1, args.regulators + 1):
                user = create_user(f"regulation{r}@t{t:02d}.charge.test", f"Régulation {r}", ["regulator"], None,
                                   territory)  # fmt: skip
                user.password_hash = password_hash
                emails.append(user.email)
            db.session.commit()
        db.engine.dispose()
    print(f"{args.territories} territories × ({args.gps} GPs, 2 cabinets, {first:%B %Y} to solve, "
          f"{args.regulators} regulators)", flush=True)  # fmt: skip
    return emails


def login(port: int, email: str) -> str:
    """Log a regulator in through the form (CSRF on); returns the session's Cookie header."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    base = f"http://127.0.0.1:{port}"
    html = opener.open(f"{base}/connexion").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    body = urlencode({"csrf_token": token, "email": email, "password": PASSWORD}).encode()
    if not opener.open(f"{base}/connexion", data=body).url.endswith("/regulation/"):
        raise SystemExit(f"login failed for {email}")
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def reader(port: int, cookie: str, every: float, offset: float, stop: threading.Event, out: list, errors: list):
    """One regulator: the list now, then every `every` seconds (first read after `offset`)."""
    if stop.wait(offset):
        return
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    while True:
        start = time.perf_counter()
        try:
            conn.request("GET", "/regulation/", headers={"User-Agent": USER_AGENT, "Cookie": cookie})
            response = conn.getresponse()
            response.read()
            (out if response.status == 200 else errors).append((time.perf_counter() - start) * 1000)
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            errors.append(0.0)
        if stop.wait(every):
            return


def enqueue_all(url: str, instance: Path, env: dict, seconds: int) -> list[int]:
    """Every territory's « Optimiser » at once, through the same services as the button."""
    from sched import create_app
    from sched.extensions import db
    from sched.models import Period
    from sched.services.solving import request_solve
    from sched.tasks import enqueue_solve

    settings = {key: env[key] for key in env if key.startswith("TASK_")}
    settings["TASK_VISIBILITY_TIMEOUT"] = int(settings.get("TASK_VISIBILITY_TIMEOUT", 900))
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, **settings})
    with app.app_context():
        ids = []
        for period in db.session.query(Period).filter(Period.state == "collecting").order_by(Period.id):
            request = request_solve(period, None, seconds)
            db.session.commit()
            assert enqueue_solve(request)
            ids.append(request.id)
        db.engine.dispose()
    return ids


def solve_rows(url: str, ids: list[int]) -> list[tuple]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT id, state, requested_at, started_at, finished_at, attempt, error FROM solve_requests")
        ).all()
    engine.dispose()
    return [r for r in rows if r[0] in ids]


def moment(value) -> float:
    """A stored instant as seconds (SQLite hands back text)."""
    return (datetime.fromisoformat(value) if isinstance(value, str) else value).timestamp()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--territories", type=int, default=50)
    parser.add_argument("--regulators", type=int, default=5)
    parser.add_argument("--gps", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--solve-seconds", type=int, default=5)
    parser.add_argument("--read-every", type=float, default=60)
    parser.add_argument("--max-seconds", type=float, default=900)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--broker-url", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()

    instance = Path(tempfile.mkdtemp(prefix="snp-tasks-load-"))
    admin_url, dropped = args.database_url, None
    if admin_url:
        dropped = f"snp_load_{os.getpid()}_{secrets.token_hex(3)}"
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{dropped}"'))
        admin.dispose()
        url = make_url(admin_url).set(database=dropped).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{instance / 'load.sqlite3'}"
    prefix = f"snp-load-{os.getpid()}"
    env = dict(
        os.environ, DATABASE_URL=url, SNP_INSTANCE_DIR=str(instance), SECRET_KEY=secrets.token_hex(16),
        SESSION_COOKIE_SECURE="0", SCHEDULER_ENABLED="0", RATELIMIT_ENABLED="0", SNP_SOLVER_WORKERS="1",
        TASK_BROKER_URL=args.broker_url, TASK_QUEUE_PREFIX=prefix, TASK_VISIBILITY_TIMEOUT="900",
    )  # fmt: skip
    processes: list[subprocess.Popen] = []
    stop = threading.Event()
    try:
        emails = build(url, instance, args)
        port = free_port()
        gunicorn = [str(Path(sys.executable).parent / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}",
                    "--log-level", "warning", "sched:create_app()"]  # fmt: skip
        processes.append(subprocess.Popen(gunicorn, cwd=ROOT, env=env))
        for n in range(args.workers):
            log = (instance / f"worker-{n}.log").open("w")
            worker = [sys.executable, "-m", "sched", "worker", "--concurrency", "1", "--loglevel", "WARNING"]
            processes.append(subprocess.Popen(worker, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))
        wait_for(port)
        cookies = [login(port, email) for email in emails]
        latencies: list[float] = []
        errors: list[float] = []
        readers = [
            threading.Thread(
                target=reader,
                args=(port, cookie, args.read_every, i * args.read_every / len(cookies), stop, latencies, errors),
                daemon=True,
            )
            for i, cookie in enumerate(cookies)
        ]
        for thread in readers:
            thread.start()
        load_before = os.getloadavg()[0]
        began = time.monotonic()
        ids = enqueue_all(url, instance, env, args.solve_seconds)
        print(
            f"{len(ids)} solves enqueued on {args.workers} workers; {len(cookies)} regulators reading "
            f"/regulation/ every {args.read_every:.0f} s; load average before: {load_before:.2f}",
            flush=True,
        )
        while time.monotonic() - began < args.max_seconds:
            rows = solve_rows(url, ids)
            if all(r[1] in ("done", "failed") for r in rows) and time.monotonic() - began >= args.read_every:
                break
            time.sleep(2)
        elapsed = time.monotonic() - began
        stop.set()
        for thread in readers:
            thread.join(timeout=70)
        rows = solve_rows(url, ids)
        over = [r for r in rows if r[1] in ("done", "failed")]
        waits = [moment(r[3]) - moment(r[2]) for r in over if r[3]]
        runs = [moment(r[4]) - moment(r[3]) for r in over if r[3] and r[4]]
        states = {s: sum(r[1] == s for r in rows) for s in ("done", "failed", "running", "queued")}
        print(f"after {elapsed:.0f} s: {states}; load average now {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
        print(f"queue wait (s):  {quantiles(waits)}")
        print(f"solve time (s):  {quantiles(runs)}  (time limit {args.solve_seconds} s)")
        print(f"/regulation/ (ms): n={len(latencies)} errors={len(errors)}  {quantiles(latencies)}")
        for r in rows:
            if r[1] == "failed":
                print(f"  request {r[0]} failed: {r[6]}")
        return 0 if states["done"] == len(ids) and not errors else 1
    finally:
        stop.set()
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        if args.broker_url.startswith("redis"):
            import redis

            client = redis.Redis.from_url(args.broker_url)
            for key in client.scan_iter(f"{prefix}:*"):
                client.delete(key)
        if dropped:
            admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{dropped}" WITH (FORCE)'))
            admin.dispose()
        shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
