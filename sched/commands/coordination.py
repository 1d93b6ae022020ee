"""Coordination commands: solve a period (same path as the button), export its problem and its roster."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from sched.extensions import db
from sched.models import Period, RosterVersion


def find_period(period_id: int) -> Period:
    period = db.session.get(Period, period_id)
    if period is None:
        raise click.ClickException(f"no period with id {period_id} (see `python -m sched periods`)")
    return period


def find_version(period: Period, number: int | None) -> RosterVersion:
    """Version `number`, else the published planning, else the latest version."""
    from sched.services.rosters import published_version

    query = select(RosterVersion).where(RosterVersion.period_id == period.id)
    if number is not None:
        version = db.session.scalar(query.where(RosterVersion.number == number))
    else:
        version = published_version(period) or db.session.scalar(query.order_by(RosterVersion.number.desc()))
    if version is None:
        raise click.ClickException(f"period {period.id} has no planning version {number or ''}".rstrip())
    return version


def write_json(data: dict, output: str | None) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if output in (None, "-"):
        click.echo(text)
    else:
        Path(output).write_text(text + "\n", encoding="utf-8")
        click.echo(f"written: {output}", err=True)


def register(cli: click.Group) -> None:
    @cli.command("solve")
    @click.argument("period_id", type=int)
    @click.option("--time-limit", "time_limit", default=60, show_default=True, type=click.IntRange(1, 86400),
                  help="Seconds.")  # fmt: skip
    @click.option("--queue", "queue_only", is_flag=True, help="Enqueue for a worker and return at once.")
    @with_appcontext
    def solve(period_id: int, time_limit: int, queue_only: bool) -> None:
        """Queue an optimisation of PERIOD_ID and run it now, in this process (or, with --queue, by a worker)."""
        from sched.models import SolveRequest
        from sched.services import scheduling, solving
        from sched.tasks import enqueue_solve

        period = find_period(period_id)
        try:
            request = solving.request_solve(period, None, time_limit)
            db.session.commit()
        except solving.SolveRefused as refusal:
            raise click.ClickException(str(refusal)) from None
        request_id = request.id
        if queue_only:
            if not enqueue_solve(request):
                raise click.ClickException(
                    f"solve request {request_id} saved but not published: broker unreachable "
                    "(the scheduler's requeue-solves job will publish it)"
                )
            click.echo(f"solve request {request_id} queued for « {period.name} » (see `periods --json`)")
            return
        click.echo(f"solve request {request_id} queued for « {period.name} »", err=True)
        solving.execute(request_id, echo=scheduling.print_progress)
        db.session.expire_all()
        request = db.session.get(SolveRequest, request_id)
        if request.state != "done":
            raise click.ClickException(f"solve {request.state}: {request.error}")
        version = db.session.get(RosterVersion, request.version_id)
        click.echo(f"version {version.number} ({version.solver_status}): {json.dumps(version.score)}")

    @cli.command("export-problem")
    @click.argument("period_id", type=int)
    @click.option("-o", "--output", default=None, help="File to write (default: stdout).")
    @click.option(
        "--version", "number", type=int, default=None, help="Pins of this version (default: the latest version)."
    )
    @with_appcontext
    def export_problem(period_id: int, output: str | None, number: int | None) -> None:
        """Write the period as an snp-roster/1 problem."""
        from sched.services.scheduling import problem_from_db

        period = find_period(period_id)
        version = find_version(period, number) if number is not None else None
        if version is None:
            version = db.session.scalar(
                select(RosterVersion).where(RosterVersion.period_id == period.id)
                .order_by(RosterVersion.number.desc())
            )  # fmt: skip
        write_json(problem_from_db(period, version), output)

    @cli.command("export-roster")
    @click.argument("period_id", type=int)
    @click.option("-o", "--output", default=None, help="File to write (default: stdout).")
    @click.option(
        "--version",
        "number",
        type=int,
        default=None,
        help="Version number (default: the published one, else the latest).",
    )
    @with_appcontext
    def export_roster(period_id: int, output: str | None, number: int | None) -> None:
        """Write the planning the app holds as an snp-roster/1-solution."""
        from sched.services.scheduling import problem_from_db, roster_solution

        period = find_period(period_id)
        version = find_version(period, number)
        write_json(roster_solution(version, problem_from_db(period, version)), output)
