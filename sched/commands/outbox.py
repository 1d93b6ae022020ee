"""`python -m sched outbox [--flush]`: what waits in the e-mail outbox; send it now."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.command("outbox")
@click.option("--flush", is_flag=True, help="Send the due messages now (as the scheduler's outbox job does).")
@with_appcontext
def outbox_command(flush: bool) -> None:
    """Show the e-mails not sent yet (and why), and send them with --flush."""
    from sched.i18n import datetime_fr
    from sched.services import outbox

    if flush:
        sent, failed = outbox.flush()
        click.echo(f"Envoyés : {sent} · échecs (nouvel essai plus tard) : {failed}")
    rows = outbox.pending()
    if not rows:
        click.echo("File d'envoi vide : tous les e-mails sont partis.")
        return
    click.echo(f"{len(rows)} e-mail(s) en attente :")
    for row in rows:
        state = f"{row.attempts} essai(s), dernier échec : {row.last_error}" if row.attempts else "pas encore essayé"
        if row.attempts >= outbox.MAX_ATTEMPTS:
            state += " — abandonné"
        click.echo(
            f"  #{row.id} [{row.kind}] à {row.to_addr} — « {row.subject} » — "
            f"prochain envoi : {datetime_fr(row.send_after)} — {state}"
        )


def register(cli: click.Group) -> None:
    cli.add_command(outbox_command)
