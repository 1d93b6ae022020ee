"""Load test of the regulators' daily list: a department-sized day served by gunicorn, 20 concurrent clients.

    .venv/bin/python -m tests.load.regulation_load [--workers 2] [--clients 20] [--requests 1000]
                                                    [--generator python|ab|both] [--database-url postgresql+psycopg://…]

Builds a fresh database (SQLite in a temporary directory unless --database-url names an empty PostgreSQL
database): 20 cabinets de garde, 60 GPs on duty tomorrow 18:00–20:00 in 15-minute créneaux (480 créneaux,
some booked). Starts gunicorn on 127.0.0.1, then for the page (logged-in session) and the JSON API in turn
sends --requests requests from --clients concurrent closed-loop clients (no think time; bounded: also stops
after --max-seconds), once from Python client threads and once from ApacheBench (`ab`, a single C process,
when installed), and prints p50 / p95 / p99 latency, requests per second and the CPU time per request of the
server and of the load generator. Exit code 1 if a request failed.
"""

from __future__ import annotations

import argparse
import http.client
import http.cookiejar
import os
import re
import resource
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "charge-regulation-2027"
USER_AGENT = "snp-regulation-load/1"


def build_database(url: str, instance: Path) -> tuple[str, str]:
    """Create the schema and the day; return (the day as ISO date, an API token)."""
    os.environ["DATABASE_URL"] = url
    os.environ["SNP_INSTANCE_DIR"] = str(instance)
    from sched import create_app
    from sched.extensions import db
    from sched.i18n import zone
    from sched.models import ApiToken, ConsultationSlot, Territory, utcnow
    from sched.services import bookings
    from sched.services.accounts import create_user
    from sched.services.tokens import new_secret
    from tests.factories import add_gp, add_site, publish_day

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        territory = Territory(name="CPTS Charge", department="57", coordination_email="coord@charge.test")
        db.session.add(territory)
        sites = [add_site(territory, f"Cabinet de garde {n:02d}") for n in range(1, 21)]
        gps = [add_gp(territory, f"Charge {n:02d}") for n in range(1, 61)]
        day = utcnow().astimezone(zone()).date() + timedelta(days=1)
        db.session.flush()
        publish_day(territory, day, {site: gps[3 * i : 3 * i + 3] for i, site in enumerate(sites)}, slot_minutes=15)
        regulator = create_user("regulation@charge.test", "Régulation Charge", ["regulator"], PASSWORD, territory)
        raw, digest = new_secret()
        db.session.add(ApiToken(user=regulator, name="charge", token_hash=digest))
        db.session.commit()
        from sqlalchemy import func, select

        slot_ids = list(db.session.scalars(select(ConsultationSlot.id).order_by(ConsultationSlot.id)))
        for slot_id in slot_ids[::7]:
            bookings.book(slot_id, regulator, f"CHARGE-{slot_id}", "AB", "18-64")
        count = db.session.scalar(select(func.count(ConsultationSlot.id)))
        print(f"day {day}: 20 sites, 60 GPs on duty, {count} créneaux ({len(slot_ids[::7])} booked)")
        db.engine.dispose()
    return day.isoformat(), raw


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def login(port: int) -> str:
    """Log in through the form (CSRF on) and return the Cookie header of the session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]  # strong session protection binds the session to it
    base = f"http://127.0.0.1:{port}"
    html = opener.open(f"{base}/connexion").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    body = urlencode({"csrf_token": token, "email": "regulation@charge.test", "password": PASSWORD}).encode()
    landing = opener.open(f"{base}/connexion", data=body)
    if not landing.url.endswith("/regulation/"):
        raise SystemExit(f"login failed: landed on {landing.url}")
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by a process and its live children (gunicorn's workers), from /proc."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return own + sum(cpu_seconds(int(child)) for child in children)


def run(port: int, path: str, headers: dict, clients: int, total: int, max_seconds: float, server_pid: int = 0) -> dict:
    latencies: list[float] = []
    errors: list[int] = []
    lock = threading.Lock()
    remaining = [total]
    deadline = time.monotonic() + max_seconds

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < deadline:
            with lock:
                if remaining[0] <= 0:
                    break
                remaining[0] -= 1
            start = time.perf_counter()
            try:
                conn.request("GET", path, headers={"User-Agent": USER_AGENT, **headers})
                response = conn.getresponse()
                response.read()
                status = response.status
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                status = 0
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                (latencies if status == 200 else errors).append(elapsed if status == 200 else status)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    server_cpu, client_cpu = cpu_seconds(server_pid), time.process_time()
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    server_cpu, client_cpu = cpu_seconds(server_pid) - server_cpu, time.process_time() - client_cpu
    latencies.sort()
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {
        "n": len(latencies),
        "errors": len(errors),
        "p50": q[49],
        "p95": q[94],
        "p99": q[98],
        "rps": len(latencies) / wall,
        "server_cpu_ms": 1000 * server_cpu / max(len(latencies), 1),
        "client_cpu_ms": 1000 * client_cpu / max(len(latencies), 1),
    }


def run_ab(port: int, path: str, headers: dict, clients: int, total: int, max_seconds: float, server_pid: int) -> dict:
    """The same load from ApacheBench: one C process, so the generator takes far less of the two cores."""
    with tempfile.TemporaryDirectory(prefix="snp-ab-") as folder:
        csv_path = Path(folder) / "percentiles.csv"
        command = ["ab", "-q", "-t", str(int(max_seconds)), "-n", str(total), "-c", str(clients), "-e", str(csv_path)]
        for name, value in {"User-Agent": USER_AGENT, **headers}.items():
            command += ["-H", f"{name}: {value}"]
        children_before, server_cpu = resource.getrusage(resource.RUSAGE_CHILDREN), cpu_seconds(server_pid)
        url = f"http://127.0.0.1:{port}{path}"
        output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
        children_after, server_cpu = resource.getrusage(resource.RUSAGE_CHILDREN), cpu_seconds(server_pid) - server_cpu
        percentiles = dict(line.split(",") for line in csv_path.read_text().splitlines()[1:])
    client_cpu = sum(getattr(children_after, f) - getattr(children_before, f) for f in ("ru_utime", "ru_stime"))

    def number(label: str) -> float:
        found = re.search(rf"{label}:\s+([\d.]+)", output)
        return float(found.group(1)) if found else 0.0

    done = int(number("Complete requests"))
    # ab prints "(Connect: 0, Receive: 0, Length: 12, Exceptions: 0)" only when some failed. Length failures are
    # not errors: ab compares every length to the first answer's (the minute may change).
    failed = re.search(r"\(Connect: (\d+), Receive: (\d+), Length: \d+, Exceptions: (\d+)\)", output)
    errors = int(number("Non-2xx responses")) + (sum(map(int, failed.groups())) if failed else 0)
    return {
        "n": done - errors,
        "errors": errors,
        "p50": float(percentiles["50"]),
        "p95": float(percentiles["95"]),
        "p99": float(percentiles["99"]),
        "rps": number("Requests per second"),
        "server_cpu_ms": 1000 * server_cpu / max(done, 1),
        "client_cpu_ms": 1000 * client_cpu / max(done, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (gthread if > 1)")
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"], help="gunicorn worker class")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=1000, help="per endpoint")
    parser.add_argument("--max-seconds", type=float, default=60, help="per endpoint")
    parser.add_argument("--database-url", default=None)
    parser.add_argument(
        "--generator",
        choices=["python", "ab", "both"],
        default="both" if shutil.which("ab") else "python",
        help="load generator: Python client threads, ApacheBench (apt-get install apache2-utils), or both in turn",
    )
    args = parser.parse_args()

    instance = Path(tempfile.mkdtemp(prefix="snp-load-"))
    url = args.database_url or f"sqlite:///{instance / 'load.sqlite3'}"
    day, token = build_database(url, instance)
    port = free_port()
    env = dict(
        os.environ,
        DATABASE_URL=url,
        SNP_INSTANCE_DIR=str(instance),
        SECRET_KEY=secrets.token_hex(16),
        SESSION_COOKIE_SECURE="0",
        SCHEDULER_ENABLED="0",
    )
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "--workers", str(args.workers),
        "--threads", str(args.threads),
        "--worker-class", args.worker_class,
        "--bind", f"127.0.0.1:{port}",
        "--log-level", "warning",
        "sched:create_app()",
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        wait_for(port)
        cookie = login(port)
        targets = {
            "page /regulation/": (f"/regulation/?date={day}", {"Cookie": cookie}),
            "JSON /api/v1/daily": (f"/api/v1/daily?date={day}", {"Authorization": f"Bearer {token}"}),
        }
        for path, headers in targets.values():  # warm-up: imports, templates, connection pools
            run(port, path, headers, 4, 40, 20)
        load = os.getloadavg()[0]
        print(
            f"gunicorn {args.workers} {args.worker_class} workers × {args.threads} threads, {args.clients} clients, "
            f"{os.cpu_count()} CPUs, load average before: {load:.2f}"
        )
        generators = {"python": run, "ab": run_ab}
        chosen = list(generators) if args.generator == "both" else [args.generator]
        failed = False
        for label, (path, headers) in targets.items():
            for name in chosen:
                r = generators[name](port, path, headers, args.clients, args.requests, args.max_seconds, server.pid)
                failed |= r["errors"] > 0 or r["n"] == 0
                print(
                    f"{label:<20} {name:<6} n={r['n']:<5} errors={r['errors']:<3} p50={r['p50']:6.1f} ms  "
                    f"p95={r['p95']:6.1f} ms  p99={r['p99']:6.1f} ms  {r['rps']:6.1f} req/s  "
                    f"CPU per request: server {r['server_cpu_ms']:.2f} ms, load generator {r['client_cpu_ms']:.2f} ms"
                )
        return 1 if failed else 0
    finally:
        server.terminate()
        server.wait(timeout=15)
        shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
