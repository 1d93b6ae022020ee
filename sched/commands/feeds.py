"""`python -m sched feed-url EMAIL`: a GP's current iCal feed URL (the token is created if needed)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.command("feed-url")
@click.argument("email")
@click.option("--territory", help="The CPTS's name, when the person is a GP in several (the feed holds them all).")
@with_appcontext
def feed_url_command(email: str, territory: str | None) -> None:
    """Print the iCal feed URL of the GP with this e-mail."""
    from sched.extensions import db
    from sched.services import feed_tokens
    from sched.services.accounts import AccountError, account_by_email

    try:
        user = account_by_email(email, territory=territory)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    if user.gp is None:
        raise click.ClickException(f"{user.email} n'a pas de profil de médecin")
    url = feed_tokens.feed_url(feed_tokens.gp_token(user.gp))
    db.session.commit()
    click.echo(url)


def register(cli: click.Group) -> None:
    cli.add_command(feed_url_command)
