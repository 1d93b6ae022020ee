"""Build published days of gardes for the regulation tests and the load script (no solver involved)."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time

from sched.extensions import db
from sched.i18n import zone
from sched.models import GP, Assignment, Period, RosterVersion, Shift, Site, Territory
from sched.services.accounts import create_user
from sched.services.publish import publish

_numbers = itertools.count(1)


def add_site(territory: Territory, name: str) -> Site:
    n = next(_numbers)
    site = Site(
        territory=territory,
        name=name,
        address=f"{n} rue de la Garde",
        postal_code="57000",
        city="Metz",
        phone=f"+333870{n:05d}",
        rooms=3,
    )
    db.session.add(site)
    return site


def add_gp(territory: Territory, label: str, password: str | None = None) -> GP:
    n = next(_numbers)
    user = create_user(f"medecin{n}-{label}@test.fr".lower(), f"Médecin {label}", ["gp"], password, territory)
    gp = GP(user=user, rpps=f"{20000000000 + n}", phone="+33612345678", sites=[])
    db.session.add(gp)
    return gp


def publish_day(
    territory: Territory,
    day: date,
    staffing: dict[Site, list[GP]],
    start: time = time(18),
    end: time = time(20),
    slot_minutes: int = 20,
) -> RosterVersion:
    """A period of one day, one garde per site staffed by the given GPs, published (slots created)."""
    period = Period(
        territory_id=territory.id,
        name=f"Jour {day.isoformat()} #{next(_numbers)}",
        start_date=day,
        end_date=day,
        state="review",
    )
    db.session.add(period)
    version = RosterVersion(period=period, number=1, source="manual")
    db.session.add(version)
    for site, gps in staffing.items():
        shift = Shift(
            period=period,
            site=site,
            date=day,
            start_time=start,
            end_time=end,
            starts_at=datetime.combine(day, start, tzinfo=zone()),
            ends_at=datetime.combine(day, end, tzinfo=zone()),
            min_gps=1,
            target_gps=max(1, len(gps)),
            slot_minutes=slot_minutes,
        )
        db.session.add(shift)
        for gp in gps:
            db.session.add(Assignment(version=version, shift=shift, gp=gp))
    db.session.flush()
    publish(version)
    db.session.commit()
    return version


def amend(version: RosterVersion, staffing: dict[int, list[GP]]) -> RosterVersion:
    """Publish version n+1 of the same period with new GPs per shift id."""
    new = RosterVersion(period=version.period, number=version.number + 1, source="amendment")
    db.session.add(new)
    for shift_id, gps in staffing.items():
        for gp in gps:
            db.session.add(Assignment(version=new, shift_id=shift_id, gp=gp))
    db.session.flush()
    publish(new)
    db.session.commit()
    return new
