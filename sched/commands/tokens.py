"""`python -m sched create-token --email EMAIL`: an API token for a regulator's software, printed once."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from sched.extensions import db
from sched.services.accounts import AccountError, account_by_email
from sched.services.tokens import TokenError, issue_api_token


@click.command("create-token")
@click.option("--email", required=True, help="E-mail of an active regulator account.")
@click.option("--name", default="Logiciel de régulation", show_default=True, help="What the token is for.")
@click.option("--territory", help="The CPTS's name, when the person has accounts in several.")
@with_appcontext
def create_token(email: str, name: str, territory: str | None) -> None:
    """Create a Bearer token for the JSON API and FHIR; only its hash is stored."""
    try:
        user = account_by_email(email, territory=territory)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    try:
        token, raw = issue_api_token(user, name, actor=None)
    except TokenError as error:
        option = "--name : " if error.field == "name" else ""
        raise click.ClickException(f"{option}{error}") from None
    db.session.commit()
    click.echo(f"Jeton créé pour {user.email} (« {token.name} »). Il ne sera plus jamais affiché :")
    click.echo(raw)


def register(cli: click.Group) -> None:
    cli.add_command(create_token)
