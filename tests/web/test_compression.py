"""The regulators' list goes gzip-compressed to clients that accept it, unchanged for the others."""

from __future__ import annotations

import gzip
from datetime import timedelta

from sched.extensions import db
from sched.i18n import zone
from sched.models import utcnow
from tests.load.dayset import add_gp, add_site, publish_day


def busy_day(territory) -> str:
    sites = [add_site(territory, f"Cabinet de garde {n}") for n in range(1, 4)]
    gps = [add_gp(territory, f"Compression {n}") for n in range(1, 7)]
    day = utcnow().astimezone(zone()).date() + timedelta(days=1)
    db.session.flush()
    publish_day(territory, day, {site: gps[2 * i : 2 * i + 2] for i, site in enumerate(sites)}, slot_minutes=15)
    db.session.commit()
    return day.isoformat()


def test_daily_list_is_gzipped_for_browsers_and_identical_once_inflated(client, login_as, territory):
    login_as("regulator")
    day = busy_day(territory)
    plain = client.get(f"/regulation/liste?date={day}")
    packed = client.get(f"/regulation/liste?date={day}", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert len(packed.data) < len(plain.data) / 4
    assert gzip.decompress(packed.data) == plain.data
    assert "Compression 1" in plain.get_data(as_text=True)


def test_small_answers_and_errors_are_left_alone(client, login_as):
    login_as("regulator")
    missing = client.get("/regulation/creneaux/999999/reserver", headers={"Accept-Encoding": "gzip"})
    assert missing.status_code == 404
    assert "Content-Encoding" not in missing.headers
