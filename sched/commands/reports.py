"""`python -m sched report --month YYYY-MM --format pdf|csv -o FILE`: the monthly activity report for the ARS."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select


@click.command("report")
@click.option("--month", "month_text", required=True, help="The month, YYYY-MM (e.g. 2027-03).")
@click.option("--format", "fmt", type=click.Choice(["pdf", "csv"]), required=True, help="pdf (A4) or csv (;, BOM).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True), help="File to write.")
@click.option("--territory", "territory_name", default=None, help="Territory name (default: the only one).")
@with_appcontext
def report_command(month_text: str, fmt: str, output: str, territory_name: str | None) -> None:
    """Write the month's activity report (figures per cabinet de garde and in total), as the ARS receives it."""
    from sched.extensions import db
    from sched.models import Territory
    from sched.services import report_output, reports

    try:
        month = reports.parse_month(month_text)
    except reports.ReportError as error:
        raise click.ClickException(str(error)) from None
    query = select(Territory).where(Territory.name == territory_name) if territory_name else select(Territory)
    territories = db.session.scalars(query).all()
    if len(territories) != 1:
        raise click.ClickException(
            f"territoire inconnu : {territory_name}" if territory_name else "plusieurs territoires : donnez --territory"
        )
    territory = territories[0]
    if fmt == "csv":
        content = report_output.report_csv(reports.month_report(territory, month)).encode("utf-8")
    else:
        content = report_output.report_pdf(territory, month)
    Path(output).write_bytes(content)
    click.echo(f"Rapport {month_text} ({fmt}) écrit : {output}")


def register(cli: click.Group) -> None:
    cli.add_command(report_command)
