"""Reading rosters: the published version of a period, and who works when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from sched.extensions import db
from sched.models import Assignment, Period, RosterVersion, Shift


def published_version(period: Period) -> RosterVersion | None:
    """The latest published planning of the period (every earlier one stays readable)."""
    return db.session.scalar(
        select(RosterVersion)
        .where(RosterVersion.period_id == period.id, RosterVersion.published_at.is_not(None))
        .order_by(RosterVersion.number.desc())
        .limit(1)
    )


def latest_published_ids():
    """Subquery: the id of the latest published version of each period."""
    latest = (
        select(RosterVersion.period_id, func.max(RosterVersion.number).label("number"))
        .where(RosterVersion.published_at.is_not(None))
        .group_by(RosterVersion.period_id)
        .subquery()
    )
    return select(RosterVersion.id).join(
        latest, (RosterVersion.period_id == latest.c.period_id) & (RosterVersion.number == latest.c.number)
    )


def published_assignments(start: datetime, end: datetime, gp_id: int | None = None) -> list[Assignment]:
    """Assignments of the published plannings on shifts starting in [start, end), in time order."""
    query = (
        select(Assignment)
        .join(Assignment.shift)
        .where(Assignment.version_id.in_(latest_published_ids()), Shift.starts_at >= start, Shift.starts_at < end)
        .options(joinedload(Assignment.shift).joinedload(Shift.site), joinedload(Assignment.gp))
        .order_by(Shift.starts_at, Shift.site_id)
    )
    if gp_id is not None:
        query = query.where(Assignment.gp_id == gp_id)
    return list(db.session.scalars(query))
