"""`python -m sched create-token --email EMAIL`: an API token for a regulator's software, printed once."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from sched.extensions import db
from sched.models import ApiToken, User
from sched.services import audit
from sched.services.tokens import new_secret


@click.command("create-token")
@click.option("--email", required=True, help="E-mail of an active regulator account.")
@click.option("--name", default="Logiciel de régulation", show_default=True, help="What the token is for.")
@with_appcontext
def create_token(email: str, name: str) -> None:
    """Create a Bearer token for the JSON API and FHIR; only its hash is stored."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"aucun compte avec l'e-mail {email}")
    if not user.active or not user.has_role("regulator"):
        raise click.ClickException(f"{user.email} n'est pas un compte de régulation actif")
    name = name.strip()
    if not name or len(name) > 100:
        raise click.ClickException("--name : 1 à 100 caractères")
    raw, token_hash = new_secret()
    token = ApiToken(user_id=user.id, name=name, token_hash=token_hash)
    db.session.add(token)
    db.session.flush()
    audit.record("api_token.create", "api_token", token.id, actor=None, user=user.id, name=name)
    db.session.commit()
    click.echo(f"Jeton créé pour {user.email} (« {name} »). Il ne sera plus jamais affiché :")
    click.echo(raw)


def register(cli: click.Group) -> None:
    cli.add_command(create_token)
