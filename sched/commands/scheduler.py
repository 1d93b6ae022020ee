"""`python -m sched scheduler [--list-jobs]`: the background jobs, in this process only."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("scheduler")
@click.option("--list-jobs", is_flag=True, help="Print the jobs and their next run, then exit.")
@with_appcontext
def scheduler_command(list_jobs: bool) -> None:
    """Run the scheduler (e-mails, reminders, solves, the 17:00 list): exactly one such process in production."""
    from sched import jobs
    from sched.scheduler import JOBS, build_scheduler, territory_zone

    timezone = territory_zone()

    if list_jobs:
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        now = datetime.now(ZoneInfo(timezone))
        scheduler = build_scheduler(timezone)
        by_id = {spec.id: spec for spec in JOBS}
        for job in scheduler.get_jobs():
            next_run = job.trigger.get_next_fire_time(None, now)
            click.echo(f"{job.id:<24} {by_id[job.id].when:<24} prochaine exécution : {next_run:%Y-%m-%d %H:%M:%S %Z}")
        return
    if not current_app.config.get("SCHEDULER_ENABLED", True):
        raise click.ClickException("SCHEDULER_ENABLED est désactivé : planificateur non démarré")
    logging.getLogger("apscheduler").setLevel(logging.INFO)
    jobs.use_app(current_app._get_current_object())
    scheduler = build_scheduler(timezone)
    click.echo(f"Planificateur démarré ({len(scheduler.get_jobs())} tâches, fuseau {timezone}). Ctrl+C pour arrêter.")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass


def register(cli: click.Group) -> None:
    cli.add_command(scheduler_command)
