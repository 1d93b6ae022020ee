"""Who can take a published garde: same cabinet, no garde that day (here or, at that hour, in another CPTS), under
their limits, not absent, fairest first.

One garde's facts are loaded in a handful of queries whatever the number of GPs (Facts.load); each rule is a line
of `why_not`, which says in French why a GP cannot take it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from sched.extensions import db
from sched.models import GP, Absence, Assignment, Availability, AvailabilityAnswer, Period, Shift, User
from sched.services import scheduling
from sched.services.rosters import latest_published_ids

LEVEL_LABELS = {"preferred": "Préféré", "available": "Disponible", "unavailable": "Indisponible", None: "—"}
LEVEL_RANK = {"preferred": 0, "available": 1, None: 2, "unavailable": 3}


@dataclass(frozen=True)
class Candidate:
    """A GP who could take the garde: their availability answer for it and their load (minutes, history included)."""

    gp: GP
    level: str | None  # preferred | available | unavailable (answered without it) | None (no answer)
    load_minutes: int
    shifts_in_period: int

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS[self.level]

    @property
    def load_hours(self) -> str:
        hours, minutes = divmod(self.load_minutes, 60)
        return f"{hours} h {minutes:02d}" if minutes else f"{hours} h"


def on_shift(shift: Shift) -> list[int]:
    """The GPs on `shift` in the published planning."""
    return list(
        db.session.scalars(
            select(Assignment.gp_id).where(
                Assignment.shift_id == shift.id, Assignment.version_id.in_(latest_published_ids())
            )
        )
    )


def absent_gp_ids(day: date) -> set[int]:
    return set(db.session.scalars(select(Absence.gp_id).where(Absence.start_date <= day, Absence.end_date >= day)))


def week_of(day: date) -> tuple[int, int]:
    return day.isocalendar()[:2]


def limit(gp: GP, answer: AvailabilityAnswer | None, name: str) -> int | None:
    value = getattr(answer, name) if answer is not None else None
    return value if value is not None else getattr(gp, name)


def why_not(shift: Shift, gp: GP, facts: Facts) -> str | None:
    """Why `gp` cannot take `shift` (French), or None when they can."""
    if not (gp.active and gp.user.active):
        return f"{gp.name} est désactivé(e)."
    if gp.id in facts.on_shift:
        return f"{gp.name} est déjà sur cette garde."
    if shift.site_id not in {s.id for s in gp.sites}:
        return f"{gp.name} n'exerce pas à ce cabinet de garde."
    if gp.id in facts.busy_that_day:
        return f"{gp.name} a déjà une garde ce jour-là."
    if gp.id in facts.elsewhere:
        return f"{gp.name} est de garde dans une autre CPTS à cette heure-là."
    if gp.id in facts.absent:
        return f"{gp.name} est absent(e) ce jour-là."
    answer = facts.answers.get(gp.id)
    checks = (
        ("max_shifts", facts.in_period[gp.id], "garde", " sur la période"),
        ("max_per_week", facts.in_week[gp.id], "garde", " cette semaine"),
        ("max_saturdays", facts.saturdays[gp.id] if shift.date.weekday() == 5 else None, "samedi", ""),
    )
    for name, count, noun, where in checks:
        cap = limit(gp, answer, name)
        if count is not None and cap is not None and count + 1 > cap:
            return f"{gp.name} a déjà {count} {noun}{'s' if count > 1 else ''}{where} (maximum {cap})."
    return None


def published_in(territory_id: int, *where) -> Select:
    """The territory's published assignments joined to their gardes, filtered by `where`."""
    return (
        select(Assignment)
        .join(Shift, Shift.id == Assignment.shift_id)
        .join(Period, Period.id == Shift.period_id)
        .where(Assignment.version_id.in_(latest_published_ids()), Period.territory_id == territory_id, *where)
    )


def published_gardes(gp: GP, *where) -> list[Shift]:
    """The GP's gardes in the published plannings, in time order, filtered by `where`."""
    query = published_in(gp.user.territory_id, Assignment.gp_id == gp.id, *where).with_only_columns(Shift)
    return list(db.session.scalars(query.order_by(Shift.starts_at)))


@dataclass
class Facts:
    """What the eligibility rules read, loaded once for one garde (a handful of queries, whatever the number of GPs)."""

    on_shift: set[int]
    busy_that_day: set[int]
    absent: set[int]
    answers: dict[int, AvailabilityAnswer]
    levels: dict[int, str]
    in_period: Counter
    in_week: Counter
    saturdays: Counter
    minutes: Counter
    elsewhere: set[int]  # on duty in another CPTS (the same person's other account) at an overlapping time

    @classmethod
    def load(cls, shift: Shift) -> Facts:
        period = shift.period
        rows = db.session.execute(
            published_in(period.territory_id, Shift.period_id == period.id).with_only_columns(
                Assignment.gp_id, Shift.id, Shift.date, Shift.starts_at, Shift.ends_at
            )
        ).all()
        same_day = db.session.scalars(
            published_in(period.territory_id, Shift.date == shift.date).with_only_columns(Assignment.gp_id)
        )
        in_period, in_week, saturdays, minutes = Counter(), Counter(), Counter(), Counter()
        on = set()
        for gp_id, shift_id, day, starts, ends in rows:
            in_period[gp_id] += 1
            in_week[gp_id] += week_of(day) == week_of(shift.date)
            saturdays[gp_id] += day.weekday() == 5
            minutes[gp_id] += int((ends - starts).total_seconds() // 60)
            if shift_id == shift.id:
                on.add(gp_id)
        levels = {
            row.gp_id: row.level
            for row in db.session.scalars(select(Availability).where(Availability.shift_id == shift.id))
        }
        answers = {
            a.gp_id: a
            for a in db.session.scalars(select(AvailabilityAnswer).where(AvailabilityAnswer.period_id == period.id))
        }
        for gp_id, earlier in scheduling.history_minutes(period).items():
            minutes[gp_id] += earlier
        elsewhere = set(scheduling.busy_elsewhere(period, [shift]))
        return cls(
            on, set(same_day), absent_gp_ids(shift.date), answers, levels, in_period, in_week, saturdays, minutes,
            elsewhere,
        )  # fmt: skip

    def level(self, gp_id: int) -> str | None:
        if gp_id in self.levels:
            return self.levels[gp_id]
        return "unavailable" if gp_id in self.answers else None


def territory_gps(territory_id: int) -> list[GP]:
    return list(
        db.session.scalars(
            select(GP)
            .join(GP.user)
            .where(User.territory_id == territory_id)
            .options(joinedload(GP.user), joinedload(GP.sites))
            .order_by(User.full_name)
        ).unique()
    )


def candidates(shift: Shift, exclude: set[int] | frozenset[int] = frozenset()) -> list[Candidate]:
    """The GPs who could take `shift`, fairest first: lowest load (history included), then their answer for it."""
    facts = Facts.load(shift)
    found = [
        Candidate(gp, facts.level(gp.id), facts.minutes[gp.id] + gp.history_minutes, facts.in_period[gp.id])
        for gp in territory_gps(shift.period.territory_id)
        if gp.id not in exclude and why_not(shift, gp, facts) is None
    ]
    return sorted(found, key=lambda c: (c.load_minutes, LEVEL_RANK[c.level], c.gp.name.lower()))


def refusal(shift: Shift, gp: GP) -> str | None:
    """Why `gp` may not take `shift` now (French), or None."""
    return why_not(shift, gp, Facts.load(shift))
