"""The monthly report for the ARS (page, PDF, CSV) and the end-of-garde counts the coordination enters or corrects."""

from __future__ import annotations

from flask import Response, abort, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from sched.coordination import bp
from sched.coordination.common import own_gp
from sched.extensions import db
from sched.gp.counts import CountForm, count_page
from sched.models import Assignment, GardeCount, Shift, utcnow
from sched.services import counts, report_output, reports
from sched.services.csv_export import csv_response
from sched.services.eligibility import published_in


def chosen_month():
    """?mois=AAAA-MM (last month by default): (month, error in French or None)."""
    territory = current_user.territory
    text = request.args.get("mois", "").strip()
    if not text:
        return reports.last_month(territory), None
    try:
        return reports.parse_month(text), None
    except reports.ReportError as error:
        return reports.last_month(territory), str(error).capitalize() + "."


@bp.route("/rapports")
def reports_page():
    """The month's report: the table per cabinet, the charts, the downloads (PDF, CSV) and the counts."""
    month, error = chosen_month()
    context = report_output.page_context(current_user.territory, month)
    page = render_template("coordination/reports.html", error=error, typed=request.args.get("mois", ""), **context)
    return page, 400 if error else 200


def month_or_400():
    month, error = chosen_month()
    if error:
        abort(400, error)
    return month


@bp.route("/rapports/rapport.pdf")
def report_pdf():
    """The A4 PDF of the month for the ARS."""
    month = month_or_400()
    pdf = report_output.report_pdf(current_user.territory, month)
    name = report_output.filename(current_user.territory, month, "pdf")
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/rapports/rapport.csv")
def report_csv():
    """The CSV of the month: one row per cabinet de garde plus the total (docs/reports.md)."""
    month = month_or_400()
    report = reports.month_report(current_user.territory, month)
    rows = [report_output.csv_row(r) for r in [*report.sites, report.total]]
    return csv_response(report_output.CSV_COLUMNS, rows, report_output.filename(current_user.territory, month, "csv"))


@bp.route("/rapports/comptes")
def counts_page():
    """Every GP's end-of-garde count of the month's published gardes begun so far; the missing ones first."""
    month, error = chosen_month()
    territory = current_user.territory
    assignments = (
        db.session.scalars(
            published_in(
                territory.id,
                Shift.date >= month,
                Shift.date < reports.next_month(month),
                Shift.closed.is_(False),
                Shift.starts_at <= utcnow(),
            )
            .options(joinedload(Assignment.shift).joinedload(Shift.site), joinedload(Assignment.gp))
            .order_by(Shift.starts_at)
        )
        .unique()
        .all()
    )
    given = {
        (c.shift_id, c.gp_id): c
        for c in db.session.scalars(
            select(GardeCount).where(GardeCount.shift_id.in_([a.shift_id for a in assignments]))
        )
    }
    rows = sorted(((a, given.get((a.shift_id, a.gp_id))) for a in assignments), key=lambda r: r[1] is not None)
    page = render_template("coordination/report_counts.html", month=month, rows=rows, error=error)
    return page, 400 if error else 200


@bp.route("/rapports/comptes/<int:shift_id>/<int:gp_id>", methods=["GET", "POST"])
def count_entry(shift_id: int, gp_id: int):
    """Enter or correct a GP's count (given by phone, or wrong): audited as the coordination's."""
    gp = own_gp(gp_id)
    shift = db.session.get(Shift, shift_id)
    if shift is None or shift.period.territory_id != current_user.territory_id or not counts.on_duty(shift, gp):
        abort(404)
    month = shift.date.replace(day=1).isoformat()[:7]
    back = url_for("coordination.counts_page", mois=month)
    return count_page(shift, gp, CountForm(), "coordination/report_count.html", back)
