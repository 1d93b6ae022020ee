"""After publication from the command line: replace a GP on a garde, declare an absence."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from sched.extensions import db
from sched.i18n import date_fr, local
from sched.models import GP, Person, Shift, User, utcnow
from sched.services import absences, offers, replacements
from sched.services.wording import shift_label


def find_gp(text: str, territory_id: int | None = None) -> GP:
    """A GP by e-mail or by the id `/api/v1/daily` shows; by e-mail, the profile in `territory_id` when given (a
    person may be a GP in several CPTS)."""
    text = text.strip()
    if text.isdigit():
        gp = db.session.get(GP, int(text))
    else:
        query = select(GP).join(GP.user).join(User.person).where(Person.email == text.lower()).order_by(GP.id)
        if territory_id is not None:
            query = query.where(User.territory_id == territory_id)
        profiles = list(db.session.scalars(query))
        if len(profiles) > 1:
            choices = ", ".join(f"{p.id} : {p.user.territory.name}" for p in profiles)
            raise click.ClickException(f"{text} est médecin dans plusieurs CPTS : donnez son identifiant ({choices}).")
        gp = profiles[0] if profiles else None
    if gp is None:
        raise click.ClickException(f"Aucun médecin avec l'adresse ou l'identifiant « {text} ».")
    return gp


def register(cli: click.Group) -> None:
    @cli.command("replace")
    @click.argument("shift_id", type=int)
    @click.option("--from", "leaving", required=True, help="The GP on the garde: e-mail or GP id.")
    @click.option("--to", "taking", default=None, help="The GP who takes it (default: the best-ranked eligible GP).")
    @click.option("--reason", default="", help="Why (kept in the version's note and the audit log).")
    @click.option("--json", "as_json", is_flag=True, help='Print {"shift_id", "from", "to", "version"}.')
    @with_appcontext
    def replace(shift_id: int, leaving: str, taking: str | None, reason: str, as_json: bool) -> None:
        """Replace a GP on a published garde: one new published version, bookings follow, both GPs told."""
        shift = db.session.get(Shift, shift_id)
        if shift is None:
            raise click.ClickException(f"Pas de garde {shift_id}.")
        territory_id = shift.period.territory_id
        gp = find_gp(leaving, territory_id)
        taker_gp = find_gp(taking, territory_id) if taking else None
        try:
            version, taker = replacements.replace(shift, gp, taker_gp, None, reason)
        except replacements.ReplacementError as refused:
            db.session.rollback()
            raise click.ClickException(str(refused)) from None
        db.session.commit()
        if as_json:
            click.echo(json.dumps({"shift_id": shift.id, "from": gp.id, "to": taker.id, "version": version.number}))
        else:
            click.echo(
                f"{taker.name} remplace {gp.name} sur la {shift_label(shift)} : version {version.number} publiée."
            )

    @cli.group("absence")
    def absence() -> None:
        """A GP's absences (leave, training)."""

    @absence.command("add")
    @click.argument("gp")
    @click.option("--start", type=click.DateTime(["%Y-%m-%d"]), required=True, help="First day (YYYY-MM-DD).")
    @click.option("--end", type=click.DateTime(["%Y-%m-%d"]), required=True, help="Last day (YYYY-MM-DD).")
    @click.option("--reason", default=None, help="Leave, training…")
    @with_appcontext
    def absence_add(gp: str, start, end, reason: str | None) -> None:
        """Declare an absence of GP (e-mail or id); the published gardes it hits are offered to colleagues."""
        doctor = find_gp(gp)
        try:
            record, opened = absences.add(doctor, start.date(), end.date(), reason, None, local(utcnow()).date())
        except (absences.AbsenceError, offers.OfferError) as refused:
            db.session.rollback()
            raise click.ClickException(str(refused)) from None
        db.session.commit()
        click.echo(
            f"Absence de {doctor.name} du {date_fr(record.start_date)} au {date_fr(record.end_date)} enregistrée."
        )
        for request in opened:
            click.echo(f"Garde proposée aux confrères : {shift_label(request.shift)} (demande {request.id}).")
