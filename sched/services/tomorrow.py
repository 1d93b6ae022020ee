"""Tomorrow in a territory: its window in the territory's time zone, the gardes and GPs the evening jobs send."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from sched.extensions import db
from sched.models import Assignment, RosterVersion, Shift, Site, Territory, utcnow
from sched.services.rosters import latest_published_ids, published_assignments


def territories() -> list[Territory]:
    return list(db.session.scalars(select(Territory).order_by(Territory.id)))


def window(territory: Territory, now: datetime | None = None) -> tuple[datetime, datetime, date]:
    """[start, end) of tomorrow in the territory's zone, and tomorrow's date there."""
    tz = ZoneInfo(territory.timezone)
    day = (now or utcnow()).astimezone(tz).date() + timedelta(days=1)
    start = datetime.combine(day, datetime.min.time(), tzinfo=tz)
    return start, datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=tz), day


def assignments(territory: Territory, start: datetime, end: datetime) -> list[Assignment]:
    """The published assignments of the territory's gardes starting in [start, end)."""
    return [a for a in published_assignments(start, end) if a.shift.site.territory_id == territory.id]


def regulators_rows(territory: Territory, start: datetime, end: datetime) -> list[dict]:
    """Per site of the territory, the published gardes in [start, end) with their GPs (uncovered ones included)."""
    gps_by_shift: dict[int, list[str]] = defaultdict(list)
    for a in assignments(territory, start, end):
        gps_by_shift[a.shift_id].append(a.gp.name)
    published_periods = select(RosterVersion.period_id).where(RosterVersion.id.in_(latest_published_ids()))
    shifts = db.session.scalars(
        select(Shift)
        .join(Shift.site)
        .where(
            Site.territory_id == territory.id,
            Shift.starts_at >= start,
            Shift.starts_at < end,
            Shift.closed.is_(False),
            Shift.period_id.in_(published_periods),
        )
        .options(joinedload(Shift.site))
        .order_by(Site.name, Shift.starts_at)
    ).all()
    rows: dict[int, dict] = {}
    for shift in shifts:
        row = rows.setdefault(shift.site_id, {"site": shift.site, "shifts": []})
        row["shifts"].append(
            {"start": shift.starts_at, "end": shift.ends_at, "gps": sorted(gps_by_shift.get(shift.id, []))}
        )
    return list(rows.values())
