"""The reports as the coordination and the ARS read them: charts, the CSV, the A4 PDF, the monthly e-mail.

Every figure comes from sched.services.reports; this module only lays them out (docs/reports.md).
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from pathlib import Path

from flask import current_app, render_template

from sched.i18n import month_fr, use_zone
from sched.models import Territory
from sched.services import reports
from sched.services.charts import Chart, bar_chart
from sched.services.csv_export import csv_text
from sched.services.mail import queue_template

# app.css holds screen rules WeasyPrint does not know (media queries by width, sticky): not worth a warning each.
logging.getLogger("weasyprint").setLevel(logging.ERROR)
SHORT_MONTHS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")
CSV_COLUMNS = [
    "Cabinet de garde",
    "Gardes prévues",
    "Gardes assurées",
    "Gardes non pourvues",
    "Taux de couverture (%)",
    "Heures d'ouverture",
    "Heures médecin",
    "Médecins ayant assuré une garde",
    "Consultations déclarées",
    "Patients adressés par le 15 (réservations)",
    "Patients adressés par le 15 (déclarés)",
    "Comptes de fin de garde attendus",
    "Comptes de fin de garde manquants",
]


def short_month(month: date) -> str:
    return f"{SHORT_MONTHS[month.month - 1]} {month.year % 100:02d}"


def decimal(value: float | None, decimals: int = 1) -> str:
    """A CSV number: decimal comma, no thousands separator (a French spreadsheet reads it as a number)."""
    return "" if value is None else f"{value:.{decimals}f}".replace(".", ",")


def csv_row(row: reports.Figures) -> list:
    return [
        row.name, row.planned, row.held, row.uncovered, decimal(row.coverage), decimal(row.open_hours),
        decimal(row.gp_hours), row.gps, row.consultations, row.bookings, row.sent_by_15_declared,
        row.counts_expected, row.counts_missing,
    ]  # fmt: skip


def report_csv(report: reports.MonthReport) -> str:
    """`;`, UTF-8 with BOM, one row per cabinet de garde then the total."""
    return csv_text(CSV_COLUMNS, [csv_row(r) for r in [*report.sites, report.total]])


def charts(history: list[reports.MonthReport]) -> list[Chart]:
    """Coverage, hours opened against the funded hours, consultations and bookings per cabinet: 12 months."""
    months = [r.month for r in history]
    groups = [month_fr(m) for m in months]
    short = [short_month(m) for m in months]
    names = [s.name for s in history[-1].sites]

    def per_site(value) -> list[list[float | None]]:
        return [[value(next((s for s in r.sites if s.name == n), None)) for r in history] for n in names]

    territory = history[-1].territory
    funded = territory.funded_hours_month
    found = [
        bar_chart(
            Chart(
                "couverture", "Couverture des gardes par cabinet et par mois",
                f"Gardes assurées sur gardes prévues, en %, de {groups[0]} à {groups[-1]}, une barre par cabinet.",
                "%", groups, names, per_site(lambda s: s.coverage if s else None), decimals=1, short=short,
            ),
            top=100,
        ),
        bar_chart(
            Chart(
                "heures", "Heures d'ouverture par mois",
                f"Heures d'ouverture des cabinets de garde, de {groups[0]} à {groups[-1]}"
                + (f", face aux {funded} heures financées par mois." if funded else "."),
                "h", groups, ["Heures d'ouverture"], [[r.total.open_hours for r in history]], decimals=1,
                reference=float(funded) if funded else None, reference_label=f"{funded} h financées" if funded else "",
                short=short,
            )
        ),
    ]  # fmt: skip
    for index, name in enumerate(names):
        found.append(
            bar_chart(
                Chart(
                    f"activite-{index}", f"Consultations et patients du 15 : {name}",
                    f"Consultations déclarées et réservations du centre 15 non annulées, par mois, {name}.",
                    "", groups, ["Consultations déclarées", "Réservations du 15"],
                    [per_site(lambda s: s.consultations if s else None)[index],
                     per_site(lambda s: s.bookings if s else None)[index]], short=short,
                )
            )
        )  # fmt: skip
    return found


def load_chart(territory: Territory, month: date) -> tuple[Chart, list[reports.PeriodFairness]]:
    """Hours of garde per GP over the 12 months ending with `month`, and each period's fairness."""
    first, end = reports.twelve_months(month)
    loads, fairness = reports.gp_load(territory, first, end)
    chart = bar_chart(
        Chart(
            "charge", "Charge par médecin sur 12 mois",
            f"Heures de garde assurées par médecin de {month_fr(first)} à {month_fr(month)}, du plus chargé"
            " au moins chargé.",
            "h", [r.name for r in loads], ["Heures de garde"], [[r.hours for r in loads]], decimals=1,
            horizontal=True,
        )
    )  # fmt: skip
    return chart, fairness


def page_context(territory: Territory, month: date, now: datetime | None = None) -> dict:
    """What the dashboard's charts, the report page and the PDF show for `month`."""
    history = reports.months_reports(territory, month, 12, now)
    while len(history) > 1 and history[0].empty:  # the charts start with the first month that had gardes
        history.pop(0)
    return {"report": history[-1], "history": history, "charts": charts(history), "month": month}


def filename(territory: Territory, month: date, extension: str) -> str:
    return f"rapport-activite-{month.isoformat()[:7]}.{extension}"


def report_pdf(territory: Territory, month: date, now: datetime | None = None) -> bytes:
    """The A4 PDF: the territory, the month, the table, the charts and the definitions, with the site's print CSS."""
    from weasyprint import CSS, HTML

    use_zone(territory.timezone)
    html = render_template("coordination/report_pdf.html", territory=territory, **page_context(territory, month, now))
    static = Path(current_app.static_folder)
    return HTML(string=html, base_url=str(static)).write_pdf(stylesheets=[CSS(filename=str(static / "app.css"))])


def send_monthly(territory: Territory, month: date, now: datetime | None = None) -> bool:
    """Queue last month's report (PDF and CSV attached) to the ARS; False when no address or nothing planned."""
    if not territory.ars_email:
        return False
    report = reports.month_report(territory, month, now)
    if report.empty:
        return False
    queue_template(
        territory.ars_email,
        f"Rapport d'activité {month_fr(month)} : {territory.name}",
        "monthly_report",
        "monthly_report",
        attachments=[
            (filename(territory, month, "pdf"), "application/pdf", report_pdf(territory, month, now)),
            (filename(territory, month, "csv"), "text/csv", report_csv(report).encode("utf-8")),
        ],
        territory=territory,
        report=report,
        month_label=month_fr(month),
    )
    return True
