"""The monthly report: its figures equal what the published planning and the bookings say; CSV, PDF, CLI, e-mail."""

from __future__ import annotations

import csv
import io
import subprocess
from datetime import date, datetime, time

import pytest
from sqlalchemy import func, select

from sched.extensions import db
from sched.i18n import number_fr
from sched.jobs import use_app
from sched.jobs.reports import monthly_report
from sched.models import Assignment, ConsultationSlot, GardeCount, OutboxEmail, Shift, SlotBooking
from sched.services import report_output, reports
from sched.services.charts import nice_max
from sched.services.rosters import latest_published_ids
from tests.factories import (
    PARIS,
    add_period,
    add_shift,
    amend,
    book_slot,
    make_user,
    numbered_gp,
    publish_version,
    second_site,
    slots_of,
)
from tests.inbox import text_of

MONTH = date(2026, 10, 1)


@pytest.fixture
def month(territory):
    """October 2026: 5 gardes at the test cabinet, 2 at « Nord » (one left without GP); bookings and counts."""
    nord = second_site(territory)
    test_site = territory.sites[0] if territory.sites[0].name != nord.name else territory.sites[1]
    gps = [numbered_gp(territory, n) for n in range(1, 4)]
    regulator = make_user(territory, "regulator", "regul@test.fr")
    period = add_period(territory, date(2026, 10, 1), date(2026, 10, 31), "octobre 2026", state="published")
    days = [date(2026, 10, d) for d in (1, 2, 5, 6, 31)]
    shifts = [add_shift(period, test_site, d, min_gps=1, target_gps=2) for d in days[:4]]
    shifts.append(add_shift(period, test_site, days[4], time(9), time(13), min_gps=1, target_gps=2))
    shifts += [add_shift(period, nord, date(2026, 10, 7)), add_shift(period, nord, date(2026, 10, 8))]
    add_shift(period, nord, date(2026, 10, 9), closed=True)  # a closure: not planned
    add_shift(period, test_site, date(2026, 11, 2))  # next month: not counted
    db.session.flush()
    pairs = [(shifts[0], gps[0]), (shifts[0], gps[1]), (shifts[1], gps[1]), (shifts[2], gps[2])]
    pairs += [(shifts[3], gps[0]), (shifts[4], gps[2]), (shifts[5], gps[0]), (shifts[6], gps[1])]
    version = publish_version(period, pairs)
    # An amendment takes GP 2 off the last Nord garde: that garde is no longer held.
    staffing = {s.id: [] for s in shifts}
    for shift, gp in pairs[:-1]:
        staffing[shift.id].append(gp)
    amend(version, staffing)
    book_slot(slots_of(shifts[0], gps[0])[0], regulator, "R-1")
    book_slot(slots_of(shifts[0], gps[1])[1], regulator, "R-2")
    book_slot(slots_of(shifts[4])[0], regulator, "R-3")
    book_slot(slots_of(shifts[4])[1], regulator, "R-4", cancelled=True)
    db.session.add_all(
        [
            GardeCount(shift_id=shifts[0].id, gp_id=gps[0].id, patients_seen=7, sent_by_15=1),
            GardeCount(shift_id=shifts[0].id, gp_id=gps[1].id, patients_seen=5, sent_by_15=1),
            GardeCount(shift_id=shifts[4].id, gp_id=gps[2].id, patients_seen=12, sent_by_15=1),
        ]
    )
    db.session.commit()
    return {"territory": territory, "shifts": shifts, "gps": gps, "test": test_site, "nord": nord}


def csv_rows(text: str) -> list[dict]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))


def test_csv_counts_equal_the_published_planning_and_the_bookings(month):
    territory = month["territory"]
    text = report_output.report_csv(reports.month_report(territory, MONTH))
    rows = {r["Cabinet de garde"]: r for r in csv_rows(text)}
    assert list(rows) == ["Cabinet de garde Nord", "Cabinet de garde Test", "Total"]
    # What the database says, counted independently of the service.
    october = (Shift.date >= MONTH, Shift.date < date(2026, 11, 1), Shift.closed.is_(False))
    for site in (month["test"], month["nord"]):
        planned = db.session.scalar(select(func.count(Shift.id)).where(Shift.site_id == site.id, *october))
        held_ids = set(
            db.session.scalars(
                select(Assignment.shift_id)
                .join(Shift, Shift.id == Assignment.shift_id)
                .where(Assignment.version_id.in_(latest_published_ids()), Shift.site_id == site.id, *october)
            )
        )
        live = db.session.scalar(
            select(func.count(SlotBooking.id))
            .join(ConsultationSlot, ConsultationSlot.id == SlotBooking.slot_id)
            .join(Shift, Shift.id == ConsultationSlot.shift_id)
            .where(Shift.site_id == site.id, SlotBooking.cancelled_at.is_(None), *october)
        )
        row = rows[site.name]
        assert int(row["Gardes prévues"]) == planned
        assert int(row["Gardes assurées"]) == len(held_ids)
        assert int(row["Gardes non pourvues"]) == planned - len(held_ids)
        assert int(row["Patients adressés par le 15 (réservations)"]) == live
    test, nord, total = rows["Cabinet de garde Test"], rows["Cabinet de garde Nord"], rows["Total"]
    assert (test["Gardes prévues"], test["Gardes assurées"], test["Heures d'ouverture"]) == ("5", "5", "12,0")
    assert (test["Heures médecin"], test["Médecins ayant assuré une garde"]) == ("14,0", "3")
    assert (nord["Gardes prévues"], nord["Gardes assurées"], nord["Taux de couverture (%)"]) == ("2", "1", "50,0")
    assert test["Patients adressés par le 15 (réservations)"] == "3"  # the cancelled one is not counted
    assert test["Consultations déclarées"] == "24" and test["Patients adressés par le 15 (déclarés)"] == "3"
    assert (test["Comptes de fin de garde attendus"], test["Comptes de fin de garde manquants"]) == ("6", "3")
    assert (total["Gardes prévues"], total["Gardes assurées"], total["Médecins ayant assuré une garde"]) == (
        "7",
        "6",
        "3",
    )
    assert total["Taux de couverture (%)"] == "85,7"


def test_month_report_reads_local_dates(month):
    """The Saturday garde of 31 October 09:00 in Paris stays in October; November's garde is not counted."""
    report = reports.month_report(month["territory"], MONTH)
    assert report.total.planned == 7
    assert reports.month_report(month["territory"], date(2026, 11, 1)).total.planned == 1


def test_pdf_is_a4_with_the_territory_the_month_and_french_numbers(app, month, tmp_path):
    pdf = report_output.report_pdf(month["territory"], MONTH)
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert "A4" in info
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "CPTS Test — octobre 2026" in text
    assert "Du 1er octobre 2026 au 31 octobre 2026" in text
    assert "85,7 %" in text and "12,0 h" in text  # decimal comma
    assert "Couverture des gardes par cabinet et par mois" in text


def test_cli_writes_csv_and_pdf(runner, month, tmp_path):
    out = tmp_path / "r.csv"
    result = runner.invoke(["report", "--month", "2026-10", "--format", "csv", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert csv_rows(out.read_text(encoding="utf-8"))[-1]["Gardes assurées"] == "6"
    pdf = tmp_path / "r.pdf"
    assert runner.invoke(["report", "--month", "2026-10", "--format", "pdf", "-o", str(pdf)]).exit_code == 0
    assert pdf.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("month_text", ["2026-13", "octobre", ""])
def test_cli_refuses_a_bad_month_in_one_line(runner, month, tmp_path, month_text):
    result = runner.invoke(["report", "--month", month_text, "--format", "csv", "-o", str(tmp_path / "x.csv")])
    assert result.exit_code != 0
    assert "mois invalide" in result.output
    assert not (tmp_path / "x.csv").exists()


def test_monthly_job_mails_the_pdf_to_the_ars_once(app, month, smtp_server):
    territory = month["territory"]
    territory.ars_email = "ars@test.fr"
    db.session.commit()
    use_app(app)
    from sched.services import outbox

    # The job runs on the 2nd for the month before: here « now » is 2 November 2026.
    assert monthly_report(now=datetime(2026, 11, 2, 7, tzinfo=PARIS)) == 1
    assert monthly_report(now=datetime(2026, 11, 2, 7, tzinfo=PARIS)) == 0  # once per month
    outbox.flush()
    (message,) = smtp_server.to("ars@test.fr")
    assert "octobre 2026" in message["Subject"]
    assert "Gardes assurées : 6 sur 7" in text_of(message)
    files = {part.get_filename(): part for part in message.iter_attachments()}
    assert files["rapport-activite-2026-10.pdf"].get_content().startswith(b"%PDF")
    assert "Cabinet de garde Nord" in files["rapport-activite-2026-10.csv"].get_content()


def test_monthly_job_sends_nothing_without_an_address_or_a_garde(app, month):
    use_app(app)
    territory = month["territory"]
    assert monthly_report(now=datetime(2026, 11, 2, 7, tzinfo=PARIS)) == 0  # no ARS address
    territory.ars_email = "ars@test.fr"
    db.session.commit()
    assert monthly_report(now=datetime(2026, 9, 2, 7, tzinfo=PARIS)) == 0  # August: nothing planned
    assert db.session.scalar(select(func.count(OutboxEmail.id))) == 0


def test_french_numbers_and_round_axes():
    assert number_fr(1234.5, 1) == "1\u202f234,5"
    assert number_fr(1234567) == "1\u202f234\u202f567"
    assert number_fr(None) == "—"
    assert [nice_max(v) for v in (0, 7, 146, 168, 234, 100)] == [1, 8, 200, 200, 400, 100]
