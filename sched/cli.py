"""`python -m sched <command>`: the command line, a Flask CLI group bound to create_app."""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select

from sched import create_app
from sched.extensions import db
from sched.models import Period, Territory


@click.group(cls=FlaskGroup, create_app=create_app, add_default_commands=False, add_version_option=False)
def cli() -> None:
    """Planning des soins non programmés — commandes d'administration."""


@cli.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create the database or migrate it to the latest schema (Alembic)."""
    from flask_migrate import upgrade

    upgrade()
    click.echo(f"Base de données à jour : {db.engine.url.render_as_string(hide_password=True)}")


@cli.command("demo")
@click.option("--solve-seconds", default=10.0, show_default=True, help="Time limit of the demo roster's solve.")
@with_appcontext
def demo(solve_seconds: float) -> None:
    """Load the demo territory « CPTS Metz Démo » (does nothing if it is already there)."""
    from sched.i18n import zone
    from sched.models import utcnow
    from sched.services.demo import DEMO_NAME, DEMO_PASSWORD, load_demo

    if not load_demo(utcnow().astimezone(zone()).date(), solve_seconds):
        click.echo(f"Démo déjà chargée ({DEMO_NAME}) : rien à faire.")
        return
    db.session.commit()
    click.echo(f"Démo chargée : {DEMO_NAME}. Mot de passe de tous les comptes : {DEMO_PASSWORD}")


@cli.command("create-user")
@click.option("--email", required=True, help="Login e-mail.")
@click.option("--name", "full_name", required=True, help="Full name shown in the app.")
@click.option("--role", "roles", multiple=True, required=True, help="gp, coordinator, regulator or admin (repeatable).")
@click.option("--password", default=None, help="Password; omit with --invite to e-mail an invitation link.")
@click.option("--invite", is_flag=True, help="Queue an invitation e-mail instead of setting a password.")
@click.option("--territory", "territory_name", default=None, help="Territory name (default: the only one).")
@with_appcontext
def create_user(
    email: str,
    full_name: str,
    roles: tuple[str, ...],
    password: str | None,
    invite: bool,
    territory_name: str | None,
) -> None:
    """Create an account with one or more roles."""
    from sched.services.accounts import AccountError
    from sched.services.accounts import create_user as create

    if not password and not invite:
        raise click.UsageError("give --password or --invite")
    territories = db.session.scalars(
        select(Territory).where(Territory.name == territory_name) if territory_name else select(Territory)
    ).all()
    if territory_name and not territories:
        raise click.ClickException(f"unknown territory: {territory_name}")
    territory = territories[0] if len(territories) == 1 and "platform" not in roles else None
    if territory is None and "platform" not in roles and territories:
        raise click.ClickException("several territories: say which one with --territory NAME")
    try:
        user = create(email, full_name, list(roles), password, territory)
        if invite:
            from sched.services.accounts import send_invitation

            send_invitation(user)
        db.session.commit()
    except AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Compte créé : {user.email} ({', '.join(user.role_names)})"
        + (" — invitation en file d'envoi" if invite else "")
    )


@cli.command("periods")
@click.option("--json", "as_json", is_flag=True, help="JSON output: id, name, state, dates.")
@with_appcontext
def periods(as_json: bool) -> None:
    """List the periods."""
    from sched.services.solving import latest_requests

    rows = db.session.scalars(select(Period).order_by(Period.start_date)).all()
    solves = latest_requests([p.id for p in rows])
    data = [
        {
            "id": p.id,
            "name": p.name,
            "state": p.state,
            "start_date": p.start_date.isoformat(),
            "end_date": p.end_date.isoformat(),
            "deadline": p.deadline.isoformat() if p.deadline else None,
            "solve": solve_state(solves.get(p.id)),
        }
        for p in rows
    ]
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for p in data:
        solve = f"  [optimisation {p['solve']['state']}]" if p["solve"] else ""
        click.echo(f"{p['id']:>4}  {p['state']:<11} {p['start_date']} → {p['end_date']}  {p['name']}{solve}")


def solve_state(request) -> dict | None:
    """The latest solve request of a period as `periods --json` shows it (None: never solved here)."""
    if request is None:
        return None

    def stamp(moment):
        return moment.isoformat() if moment else None

    return {
        "request_id": request.id,
        "state": request.state,
        "attempt": request.attempt,
        "worker": request.worker,
        "requested_at": stamp(request.requested_at),
        "started_at": stamp(request.started_at),
        "heartbeat_at": stamp(request.heartbeat_at),
        "finished_at": stamp(request.finished_at),
        "version_id": request.version_id,
        "error": request.error,
    }


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def dies_with(parent_pid: int):
    """A `preexec_fn` for a child that must not outlive `sched run`, even when it is killed with SIGKILL.

    Linux delivers SIGTERM to the child when its parent dies (prctl PR_SET_PDEATHSIG); a parent already gone
    before the prctl is seen through getppid. Elsewhere no hook: `run`'s finally still stops the child.
    """
    if not sys.platform.startswith("linux"):
        return None

    def set_parent_death_signal() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0 or os.getppid() != parent_pid:
            os._exit(1)

    return set_parent_death_signal


@cli.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-scheduler", is_flag=True, help="Do not start the scheduler process beside the web server.")
@click.option("--no-worker", is_flag=True, help="Do not start a task worker beside the web server.")
@with_appcontext
def run(host: str, port: int, no_scheduler: bool, no_worker: bool) -> None:
    """Serve the app locally, with the scheduler (the clock) and one worker (solves, e-mails) in their own processes."""
    from werkzeug.serving import run_simple

    app = current_app._get_current_object()
    children = []
    if not no_worker:
        worker = subprocess.Popen(
            [sys.executable, "-m", "sched", "worker", "--concurrency", "1", "--loglevel", "WARNING"],
            preexec_fn=dies_with(os.getpid()),
        )
        children.append(worker)
        click.echo(f"Travailleur démarré (processus {worker.pid}).")
    if not no_scheduler:
        scheduler = subprocess.Popen([sys.executable, "-m", "sched", "scheduler"], preexec_fn=dies_with(os.getpid()))
        children.append(scheduler)
        click.echo(f"Planificateur démarré (processus {scheduler.pid}).")
    click.echo(f"Planning SNP sur http://{host}:{port}/ (Ctrl+C pour arrêter)")
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)
    finally:
        for child in children:
            child.terminate()
        for child in children:
            child.wait(timeout=30)


def register_commands() -> None:
    """The commands of sched/commands/, one module per concern."""
    from sched.commands import (
        coordination,
        feeds,
        outbox,
        replacements,
        reports,
        scheduler,
        territories,
        tokens,
        worker,
    )

    for module in (coordination, feeds, outbox, replacements, reports, scheduler, territories, tokens, worker):
        module.register(cli)


register_commands()
