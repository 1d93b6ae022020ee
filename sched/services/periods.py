"""Periods: public holidays of the territory and the shifts generated from the templates."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
from sqlalchemy import select

from sched.extensions import db
from sched.models import Period, Shift, ShiftTemplate, Site, Territory

# Alsace-Moselle keeps Good Friday and 26 December: the `holidays` subdivisions for those departments.
ALSACE_MOSELLE = {"57": "57", "67": "6AE", "68": "6AE"}


def public_holidays(territory: Territory, start: date, end: date) -> dict[date, str]:
    """French public holidays between start and end (inclusive), with the territory's local ones."""
    subdivision = territory.subdivision or ALSACE_MOSELLE.get(territory.department)
    calendar = holidays.France(subdiv=subdivision, years=range(start.year, end.year + 1), language="fr")
    return {day: name for day, name in sorted(calendar.items()) if start <= day <= end}


def days(start: date, end: date):
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def generate_shifts(period: Period, territory: Territory) -> list[Shift]:
    """Create the period's shifts from the active templates of active sites, public holidays left out."""
    tz = ZoneInfo(territory.timezone)
    closed_days = public_holidays(territory, period.start_date, period.end_date)
    templates = db.session.scalars(
        select(ShiftTemplate)
        .join(ShiftTemplate.site)
        .where(Site.territory_id == territory.id, Site.active, ShiftTemplate.active)
        .order_by(Site.name, ShiftTemplate.start_time)
    ).all()
    created = []
    for day in days(period.start_date, period.end_date):
        if day in closed_days:
            continue
        for template in templates:
            if day.weekday() not in template.weekdays():
                continue
            starts = datetime.combine(day, template.start_time, tzinfo=tz)
            ends = datetime.combine(day, template.end_time, tzinfo=tz)
            shift = Shift(
                period=period,
                site_id=template.site_id,
                template_id=template.id,
                date=day,
                start_time=template.start_time,
                end_time=template.end_time,
                starts_at=starts,
                ends_at=ends,
                min_gps=template.min_gps,
                target_gps=template.target_gps,
                priority=template.priority,
                slot_minutes=template.slot_minutes,
            )
            db.session.add(shift)
            created.append(shift)
    db.session.flush()
    return created


class CollectionError(ValueError):
    """Why a collection cannot be reopened (French message)."""


def collection_deadline(day: date, territory: Territory) -> datetime:
    """A deadline typed as a date means the end of that day in the territory's zone."""
    return datetime.combine(day, time(23, 59), tzinfo=ZoneInfo(territory.timezone))


def reopen_collection(period: Period, deadline: datetime, now: datetime) -> None:
    """Back to `collecting` with a new deadline, only while no roster is published (caller commits)."""
    from sched.services.rosters import published_version

    if period.state == "draft":
        raise CollectionError("Cette période n'a jamais été ouverte : ouvrez-la d'abord au recueil.")
    if published_version(period) is not None:
        raise CollectionError(
            "Un planning est déjà publié pour cette période : le recueil ne peut plus être rouvert. "
            "Saisissez plutôt les réponses reçues depuis la page « Réponses », puis ré-optimisez."
        )
    if deadline <= now:
        raise CollectionError("La nouvelle date limite doit être dans le futur.")
    period.state = "collecting"
    period.deadline = deadline
