"""The coordination's dashboard, live items: the open collection (answer rate, time left, the reminder button) and
the uncovered gardes of the coming weeks with their reasons. The charts' figures are reports.py's."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from sched.extensions import db
from sched.models import Assignment, AuditEvent, Period, RosterVersion, Shift, Site, Territory, User, utcnow
from sched.services import audit, collection, notifications, scheduling, wording
from sched.services.eligibility import candidates
from sched.services.rosters import latest_published_ids

REMIND_AGAIN_AFTER = timedelta(hours=1)
UPCOMING = timedelta(days=28)


class ReminderRefused(Exception):
    """Why the reminder was not sent (French)."""


@dataclass
class Collecting:
    period: Period
    answered: int
    total: int
    time_left: timedelta
    last_reminder: datetime | None

    @property
    def rate(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 0

    @property
    def unanswered(self) -> int:
        return self.total - self.answered

    @property
    def time_left_fr(self) -> str:
        """« 3 j 4 h », « 5 h 20 min », « 12 min »."""
        minutes = int(self.time_left.total_seconds() // 60)
        days, rest = divmod(minutes, 24 * 60)
        hours, minutes = divmod(rest, 60)
        if days:
            return f"{days} j {hours} h"
        return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def last_reminder(period: Period) -> datetime | None:
    return db.session.scalar(
        select(func.max(AuditEvent.at)).where(
            AuditEvent.action == "period.remind_unanswered", AuditEvent.object_id == str(period.id)
        )
    )


def collecting(territory: Territory, now: datetime | None = None) -> list[Collecting]:
    """The territory's periods taking answers now, with their answer rate and the time left."""
    now = now or utcnow()
    found = []
    for period in collection.collecting(now):
        if period.territory_id != territory.id:
            continue
        missing, total = collection.unanswered(period)
        found.append(Collecting(period, total - len(missing), total, period.deadline - now, last_reminder(period)))
    return found


def remind_unanswered(period: Period, actor: User, now: datetime | None = None) -> int:
    """E-mail the availability reminder to the GPs who have not answered (no commit); audited, once an hour at most."""
    now = now or utcnow()
    if period.state != "collecting" or period.deadline is None or period.deadline <= now:
        raise ReminderRefused("Le recueil de cette période est clos : plus de relance possible.")
    previous = last_reminder(period)
    if previous is not None and now - previous < REMIND_AGAIN_AFTER:
        wait = int((previous + REMIND_AGAIN_AFTER - now).total_seconds() // 60) + 1
        raise ReminderRefused(f"Une relance est partie il y a moins d'une heure : réessayez dans {wait} min.")
    gps, _ = collection.unanswered(period)
    if not gps:
        raise ReminderRefused("Tous les médecins ont répondu : personne à relancer.")
    notifications.availability_reminder(period, gps, "La coordination de la CPTS vous relance.")
    audit.record("period.remind_unanswered", "period", period.id, actor=actor, gps=len(gps))
    return len(gps)


@dataclass
class Uncovered:
    shift: Shift
    gps: int
    reason: str


def uncovered_soon(territory: Territory, now: datetime | None = None) -> list[Uncovered]:
    """Published gardes starting in the next 4 weeks below their minimum, each with why."""
    now = now or utcnow()
    published_periods = select(RosterVersion.period_id).where(RosterVersion.published_at.is_not(None))
    shifts = db.session.scalars(
        select(Shift)
        .join(Site, Site.id == Shift.site_id)
        .where(
            Site.territory_id == territory.id,
            Shift.closed.is_(False),
            Shift.starts_at > now,
            Shift.starts_at < now + UPCOMING,
            Shift.period_id.in_(published_periods),
        )
        .options(joinedload(Shift.site), joinedload(Shift.period))
        .order_by(Shift.starts_at)
    ).all()
    if not shifts:
        return []
    staffed: dict[int, int] = defaultdict(int)
    for shift_id, count in db.session.execute(
        select(Assignment.shift_id, func.count(Assignment.id))
        .where(Assignment.version_id.in_(latest_published_ids()), Assignment.shift_id.in_([s.id for s in shifts]))
        .group_by(Assignment.shift_id)
    ):
        staffed[shift_id] = count
    short = [s for s in shifts if staffed[s.id] < max(s.min_gps, 1)]
    return [Uncovered(s, staffed[s.id], reason(s)) for s in short]


def reason(shift: Shift) -> str:
    """The optimiser's diagnosis kept with the planning, else the note of the change that emptied it, else who could."""
    versions = db.session.scalars(
        select(RosterVersion)
        .where(RosterVersion.period_id == shift.period_id, RosterVersion.published_at.is_not(None))
        .order_by(RosterVersion.number.desc())
    ).all()
    for version in versions:
        for diagnosis in scheduling.diagnoses_of(version):
            if scheduling.parse_key(diagnosis.shift) == shift.id:
                return wording.diagnosis_fr(diagnosis, wording.Names(shift.period))
    on = [any(a.shift_id == shift.id for a in v.assignments) for v in versions]
    for index, version in enumerate(versions[:-1]):
        if not on[index] and on[index + 1] and version.note:  # this change took the last GP off the garde
            return f"Laissée sans médecin : {version.note}."
    able = candidates(shift)
    if not able:
        return "Aucun médecin ne peut la prendre (disponibilités, limites ou absences)."
    return f"{len(able)} médecin(s) pourrai(en)t la prendre, dont {able[0].gp.name} (le moins chargé)."
