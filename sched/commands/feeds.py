"""`python -m sched feed-url EMAIL`: a GP's current iCal feed URL (the token is created if needed)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select


@click.command("feed-url")
@click.argument("email")
@with_appcontext
def feed_url_command(email: str) -> None:
    """Print the iCal feed URL of the GP with this e-mail."""
    from sched.extensions import db
    from sched.models import User
    from sched.services import feed_tokens

    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"aucun compte avec l'e-mail {email}")
    if user.gp is None:
        raise click.ClickException(f"{user.email} n'a pas de profil de médecin")
    url = feed_tokens.feed_url(feed_tokens.gp_token(user.gp))
    db.session.commit()
    click.echo(url)


def register(cli: click.Group) -> None:
    cli.add_command(feed_url_command)
