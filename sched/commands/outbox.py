"""`python -m sched outbox [--flush]`: what waits in the outbox (e-mails and SMS); send it now."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.command("outbox")
@click.option("--flush", is_flag=True, help="Send the due messages now (as the scheduler's outbox job does).")
@with_appcontext
def outbox_command(flush: bool) -> None:
    """Show the e-mails and SMS not sent yet (and why), and send them with --flush.

    Exit code of --flush: 0 when every due message was sent, or when some were and others failed on their own
    (each is retried or given up, shown below); 1 when messages were due and none could be sent (server down).
    """
    from sched.i18n import datetime_fr
    from sched.services import outbox

    sent = failed = 0
    if flush:
        sent, failed = outbox.flush()
        click.echo(f"Envoyés : {sent} · échecs : {failed}")
    rows = outbox.pending()
    if not rows:
        click.echo("File d'envoi vide : tous les messages sont partis.")
    else:
        click.echo(f"{len(rows)} message(s) en attente :")
    for row in rows:
        state = f"{row.attempts} essai(s), dernier échec : {row.last_error}" if row.last_error else "pas encore essayé"
        if row.failed_at is not None:
            state += " — abandonné"
        click.echo(
            f"  #{row.id} [{row.kind}] à {row.recipient} — {row.summary} — "
            f"prochain envoi : {datetime_fr(row.send_after)} — {state}"
        )
    if failed and not sent:
        click.echo("Aucun message n'a pu partir : le serveur d'envoi est-il joignable ?")
        raise click.exceptions.Exit(1)


def register(cli: click.Group) -> None:
    cli.add_command(outbox_command)
