"""`python -m sched worker [--concurrency N] [--queues solves,jobs]`: a task engine worker, on any machine."""

from __future__ import annotations

import os
import socket

import click
from flask import current_app
from flask.cli import with_appcontext
from kombu import Connection

from sched.tasks.engine import QUEUES


@click.command("worker")
@click.option("--concurrency", type=click.IntRange(1, 64), default=None, help="Child processes (default: CPUs).")
@click.option(
    "--queues",
    default=",".join(QUEUES),
    show_default=True,
    help="Queues to take tasks from: solves, jobs or both (a worker on jobs alone keeps e-mails on time).",
)
@click.option("--loglevel", default="INFO", show_default=True)
@with_appcontext
def worker_command(concurrency: int | None, queues: str, loglevel: str) -> None:
    """Run solves and scheduler jobs from the broker (TASK_BROKER_URL) against the database (DATABASE_URL)."""
    from sched import jobs
    from sched.tasks import celery_for, queue_name
    from sched.tasks.work import prepare_worker_processes

    kinds = [kind.strip() for kind in queues.split(",") if kind.strip()]
    unknown = sorted(set(kinds) - set(QUEUES))
    if unknown or not kinds:
        raise click.BadParameter(f"unknown queue {', '.join(unknown) or '(none)'}: solves, jobs", param_hint="--queues")
    app = current_app._get_current_object()
    jobs.use_app(app)
    celery = celery_for(app)
    prepare_worker_processes(app)
    names = ",".join(queue_name(app, kind) for kind in kinds)
    concurrency = concurrency or os.cpu_count() or 1
    broker = (
        Connection(app.config["TASK_BROKER_URL"]).as_uri()  # the password masked
        if app.config["TASK_BROKER_URL"]
        else f"dossier {app.config['TASK_BROKER_FOLDER']}"
    )
    click.echo(f"Travailleur démarré (processus {os.getpid()}, {concurrency} en parallèle, files {names}, {broker}).")
    celery.worker_main(
        [
            "worker",
            f"--concurrency={concurrency}",
            f"--queues={names}",
            f"--hostname=snp-{socket.gethostname()}-{os.getpid()}",
            f"--loglevel={loglevel}",
            "--pool=prefork",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
        ]
    )


def register(cli: click.Group) -> None:
    cli.add_command(worker_command)
