"""`python -m sched feed-url EMAIL`: a GP's current iCal feed URL (the token is created if needed)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.command("feed-url")
@click.argument("email")
@with_appcontext
def feed_url_command(email: str) -> None:
    """Print the iCal feed URL of the GP with this e-mail (one feed: their gardes in every CPTS)."""
    from sched.extensions import db
    from sched.services import feed_tokens
    from sched.services.accounts import find_person

    person = find_person(email)
    if person is None:
        raise click.ClickException(f"aucun compte avec l'e-mail {email}")
    profiles = [a.gp for a in person.accounts if a.gp is not None and a.active]
    if not profiles:
        raise click.ClickException(f"{person.email} n'a pas de profil de médecin")
    url = feed_tokens.feed_url(feed_tokens.gp_token(profiles[0]))
    db.session.commit()
    click.echo(url)


def register(cli: click.Group) -> None:
    cli.add_command(feed_url_command)
