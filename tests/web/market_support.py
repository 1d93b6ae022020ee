"""A published period of three future gardes at one cabinet, four GPs: what the replacement tests start from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sched.extensions import db
from sched.i18n import local, zone
from sched.models import GP, Assignment, Period, RosterVersion, Shift, Site, Territory, utcnow
from sched.services.accounts import create_user
from sched.services.publish import publish
from tests.factories import PASSWORD


@dataclass
class Market:
    territory: Territory
    site: Site
    period: Period
    shifts: list[Shift]  # three gardes, one a day, from `first_day`
    gps: dict[str, GP]  # a on shifts[0], b on shifts[1], c on shifts[2], d free

    def shift_of(self, name: str) -> Shift:
        return self.shifts["abc".index(name)]


def add_market_gp(territory: Territory, site: Site, label: str, rpps: str) -> GP:
    user = create_user(f"{label}@test.fr", f"Dr {label.upper()}", ["gp"], PASSWORD, territory)
    gp = GP(user=user, rpps=rpps, phone="+33612345678", sites=[site])
    db.session.add(gp)
    return gp


def build_market(territory: Territory, first_day: date | None = None, hour: int = 18) -> Market:
    """Gardes on three days from `first_day` (default: in ten days), published as version 1."""
    site = territory.sites[0]
    first_day = first_day or local(utcnow()).date() + timedelta(days=10)
    gps = {
        name: add_market_gp(territory, site, name, rpps)
        for name, rpps in (("a", "10000000024"), ("b", "10000000032"), ("c", "10000000040"), ("d", "10000000057"))
    }
    days = [first_day + timedelta(days=i) for i in range(3)]
    period = Period(
        territory_id=territory.id, name=f"Période {first_day.isoformat()}", start_date=days[0], end_date=days[-1],
        state="review",
    )  # fmt: skip
    db.session.add(period)
    shifts = [
        Shift(
            period=period,
            site=site,
            date=day,
            start_time=time(hour),
            end_time=time(hour + 2),
            starts_at=datetime.combine(day, time(hour), tzinfo=zone()),
            ends_at=datetime.combine(day, time(hour + 2), tzinfo=zone()),
            min_gps=1,
            target_gps=1,
            slot_minutes=20,
        )  # fmt: skip
        for day in days
    ]
    db.session.add_all(shifts)
    version = RosterVersion(period=period, number=1, source="manual")
    db.session.add(version)
    for shift, name in zip(shifts, "abc", strict=True):
        db.session.add(Assignment(version=version, shift=shift, gp=gps[name]))
    db.session.flush()
    publish(version)
    db.session.commit()
    return Market(territory, site, period, shifts, gps)
