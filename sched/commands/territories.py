"""`python -m sched create-territory NAME --timezone TZ --subdivision CODE`: a new CPTS on this instance."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from sched.extensions import db


@click.command("create-territory")
@click.argument("name")
@click.option(
    "--timezone", "timezone", default="Europe/Paris", show_default=True, help="IANA zone, e.g. Indian/Reunion."
)
@click.option("--subdivision", default=None, help="Public holidays: 974 (Réunion), 972, 973, 6AE (Alsace)…")
@click.option("--department", default=None, help="Department number (taken from an overseas subdivision).")
@with_appcontext
def create_territory(name: str, timezone: str, subdivision: str | None, department: str | None) -> None:
    """Create a territory; then `create-user --territory NAME --role admin --invite` for its administrator."""
    from sched.services.territories import TerritoryError
    from sched.services.territories import create_territory as create

    try:
        territory = create(name, timezone, subdivision, department)
        db.session.commit()
    except TerritoryError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    click.echo(
        f"CPTS créée : {territory.name} (n° {territory.id}, {territory.timezone}, "
        f"jours fériés {territory.subdivision or 'métropole'}, département {territory.department})"
    )


def register(cli: click.Group) -> None:
    cli.add_command(create_territory)
