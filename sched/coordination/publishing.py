"""Publication, versions and their differences, CSV and printable exports, the audit log."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from sched.coordination import bp, tables
from sched.coordination.common import own_period
from sched.coordination.forms import AuditFilterForm, EmptyForm
from sched.coordination.review import shown_version
from sched.extensions import db
from sched.i18n import datetime_fr, time_fr
from sched.services import audit_log as log_service
from sched.services import review as service
from sched.services.csv_export import csv_response


@bp.route("/periodes/<int:period_id>/publier", methods=["POST"])
def publish(period_id: int):
    """Publish the working draft: version n is frozen, consultation slots created, GPs told."""
    period = own_period(period_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    draft = service.working_draft(period)
    if draft is not None and request.form.get("confirmed") != "1":
        confirmation = publish_confirmation(period, draft)
        if confirmation is not None:
            return render_template("coordination/publish_confirm.html", period=period, draft=draft, **confirmation)
    violations = service.check_draft(period, service.working_draft(period)) if service.working_draft(period) else []
    try:
        version, previous = service.publish_draft(period, current_user)
    except service.ReviewError as refusal:
        flash(str(refusal), "error")
        return redirect(url_for("coordination.review", period_id=period.id))
    db.session.commit()
    flash(f"Planning publié, version {version.number}.", "success")
    if violations:
        flash("Publié avec des dérogations : " + " ".join(violations), "warning")
    if previous is not None:
        return redirect(url_for("coordination.compare", period_id=period.id, a=previous.number, b=version.number))
    return redirect(url_for("coordination.review", period_id=period.id, version=version.number))


def publish_confirmation(period, draft) -> dict | None:
    """What to confirm before a first publication that closes an open collection or leaves GPs unanswered."""
    from sched.coordination.collection import non_respondents
    from sched.services.availability import is_open

    if service.published_version(period) is not None:
        return None
    missing = non_respondents(period)
    early = is_open(period)
    if not early and not missing:
        return None
    # The first publication e-mails every GP on duty in the draft their gardes (notifications.roster_published).
    recipients = sorted({a.gp for a in draft.assignments}, key=lambda gp: gp.name)
    return {"early": early, "missing": missing, "recipients": recipients}


@bp.route("/periodes/<int:period_id>/versions")
def versions(period_id: int):
    """Every version of the period's planning, each readable."""
    period = own_period(period_id)
    return render_template("coordination/versions.html", period=period, versions=service.versions(period))


@bp.route("/periodes/<int:period_id>/versions/comparer")
def compare(period_id: int):
    """What changed between two versions, shift by shift."""
    period = own_period(period_id)
    by_number = {v.number: v for v in service.versions(period)}
    a, b = by_number.get(request.args.get("a", type=int)), by_number.get(request.args.get("b", type=int))
    if b is None:
        abort(404)
    return render_template(
        "coordination/compare.html", period=period, old=a, new=b, changes=tables.diff(a, b),
        numbers=sorted(by_number),
    )  # fmt: skip


def rows(period, version):
    for s in period.shifts:
        names = sorted(a.gp.name for a in version.assignments if a.shift_id == s.id) if version else []
        yield s, names


@bp.route("/periodes/<int:period_id>/export.csv")
def export_csv(period_id: int):
    """The planning as CSV (semicolons, UTF-8 with BOM: opens as is in Excel)."""
    period = own_period(period_id)
    version = shown_version(period)
    header = ["date", "début", "fin", "cabinet de garde", "minimum", "cible", "médecins", "état"]
    lines = []
    for s, names in rows(period, version):
        state = "fermée" if s.closed else ("non pourvue" if len(names) < s.min_gps else "pourvue")
        lines.append(
            [s.date.isoformat(), time_fr(s.start_time), time_fr(s.end_time), s.site.name, s.min_gps,
             s.target_gps, ", ".join(names), state]
        )  # fmt: skip
    number = version.number if version else 0
    return csv_response(header, lines, f"planning-{period.id}-v{number}.csv")


@bp.route("/periodes/<int:period_id>/impression")
def print_view(period_id: int):
    """The planning on A4 landscape pages, for printing."""
    period = own_period(period_id)
    version = shown_version(period)
    sites, days, cells = tables.calendar(period, version)
    return render_template(
        "coordination/print.html", period=period, version=version, sites=sites, days=days, cells=cells
    )


def audit_filters() -> tuple[AuditFilterForm, log_service.Filters]:
    """The log's filters from the query string (GET: a link keeps them); a bad value is dropped, with its error."""
    territory_id = current_user.territory_id
    form = AuditFilterForm(request.args, meta={"csrf": False})
    form.actor_id.choices = [(0, "Tout le monde")] + [(u.id, u.full_name) for u in log_service.actors(territory_id)]
    form.action.choices = [("", "Toutes les actions")] + sorted(
        ((code, label) for code, (label, _) in log_service.ACTIONS.items()), key=lambda c: c[1]
    )
    form.validate()
    filters = log_service.Filters(
        actor_id=form.actor_id.data or None if not form.actor_id.errors else None,
        action=form.action.data or None if not form.action.errors else None,
        start=form.start.data if not form.start.errors else None,
        end=form.end.data if not form.end.errors else None,
        logins=bool(form.logins.data),
    )
    return form, filters


@bp.route("/journal")
def audit_log():
    """Who changed what and when, in plain French (the latest 300 events matching the filters)."""
    form, filters = audit_filters()
    lines = log_service.lines(current_user.territory_id, filters)
    return render_template(
        "coordination/audit.html", form=form, lines=lines, limit=log_service.LIMIT, csv_args=request.args.to_dict()
    )


@bp.route("/journal.csv")
def audit_log_csv():
    """The log with the same filters as CSV (semicolons, UTF-8 with BOM), every matching event."""
    _, filters = audit_filters()
    lines = log_service.lines(current_user.territory_id, filters, limit=None)
    rows = ([datetime_fr(line.at), line.who, line.action, line.what] for line in lines)
    return csv_response(["date", "qui", "action", "détails"], rows, "journal-des-modifications.csv")
