"""A GP's availability for a period: the shifts they may work, quick fills, and the atomic save."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, select

from sched.extensions import db
from sched.i18n import MONTHS
from sched.models import GP, Availability, AvailabilityAnswer, Period, Shift, User, utcnow
from sched.services import audit

UNAVAILABLE = "unavailable"
CHOICES = (UNAVAILABLE, "available", "preferred")
CHOICE_LABELS = {UNAVAILABLE: "Indisponible", "available": "Disponible", "preferred": "Préféré"}
WEEKDAY_PLURALS = ("lundis", "mardis", "mercredis", "jeudis", "vendredis", "samedis", "dimanches")
FILL_NOTHING = "nothing"
FILL_PREVIOUS = "previous"
FILL_CLEAR = "clear"


class AvailabilityError(ValueError):
    """A readable reason why an answer cannot be saved."""


class AnswerClosed(AvailabilityError):
    """The period no longer takes answers (deadline passed or not collecting)."""


class UnknownShift(AvailabilityError):
    """A shift that is not one this GP may answer for in this period."""


@dataclass
class Limits:
    max_shifts: int | None = None
    max_per_week: int | None = None
    max_saturdays: int | None = None


@dataclass
class Week:
    monday: date
    shifts: list[Shift] = field(default_factory=list)

    @property
    def label(self) -> str:
        """« Semaine du 4 au 10 janvier » (months named on both sides when they differ)."""
        sunday = self.monday + timedelta(days=6)
        first = str(self.monday.day) if self.monday.day > 1 else "1er"
        last = "1er" if sunday.day == 1 else str(sunday.day)
        if self.monday.month == sunday.month:
            return f"Semaine du {first} au {last} {MONTHS[sunday.month - 1]}"
        return f"Semaine du {first} {MONTHS[self.monday.month - 1]} au {last} {MONTHS[sunday.month - 1]}"


def is_open(period: Period, now: datetime | None = None) -> bool:
    """Answers are taken while the period is collecting and its deadline (if any) is in the future."""
    now = now or utcnow()
    return period.state == "collecting" and (period.deadline is None or period.deadline > now)


def answerable_shifts(period: Period, gp: GP) -> list[Shift]:
    """The period's open shifts at the GP's sites, in time order."""
    site_ids = [site.id for site in gp.sites]
    if not site_ids:
        return []
    return list(
        db.session.scalars(
            select(Shift)
            .where(Shift.period_id == period.id, Shift.site_id.in_(site_ids), Shift.closed.is_(False))
            .order_by(Shift.starts_at, Shift.site_id)
        )
    )


def group_by_week(shifts: list[Shift]) -> list[Week]:
    weeks: OrderedDict[date, Week] = OrderedDict()
    for shift in shifts:
        monday = shift.date - timedelta(days=shift.date.weekday())
        weeks.setdefault(monday, Week(monday)).shifts.append(shift)
    return list(weeks.values())


def saved_levels(period: Period, gp: GP) -> dict[int, str]:
    """shift id → 'available' | 'preferred' for the GP's saved answer (missing = unavailable)."""
    rows = db.session.execute(
        select(Availability.shift_id, Availability.level)
        .join(Shift, Shift.id == Availability.shift_id)
        .where(Availability.gp_id == gp.id, Shift.period_id == period.id)
    )
    return {shift_id: level for shift_id, level in rows}


def answer_of(period: Period, gp: GP) -> AvailabilityAnswer | None:
    return db.session.scalar(
        select(AvailabilityAnswer).where(AvailabilityAnswer.period_id == period.id, AvailabilityAnswer.gp_id == gp.id)
    )


def part_of_day(start: time) -> str:
    if start.hour < 12:
        return "matin"
    return "après-midi" if start.hour < 17 else "soir"


def pattern_key(shift: Shift) -> str:
    return f"day-{shift.date.weekday()}-{part_of_day(shift.start_time)}"


def patterns(shifts: list[Shift]) -> list[tuple[str, str]]:
    """Weekly quick fills the GP's shifts allow: [('day-1-soir', 'Tous les mardis soir'), …] Monday first."""
    keys = sorted({(s.date.weekday(), s.start_time.hour, pattern_key(s)) for s in shifts})
    seen: dict[str, str] = {}
    for weekday, _hour, key in keys:
        if key not in seen:
            seen[key] = f"Tous les {WEEKDAY_PLURALS[weekday]} {key.rsplit('-', 1)[1]}"
    return list(seen.items())


def previous_period(period: Period) -> Period | None:
    """The territory's period that ended most recently before this one starts."""
    return db.session.scalar(
        select(Period)
        .where(
            Period.territory_id == period.territory_id,
            Period.id != period.id,
            Period.start_date < period.start_date,
        )
        .order_by(Period.start_date.desc())
        .limit(1)
    )


def shape(shift: Shift) -> tuple[int, int, time, time]:
    return shift.date.weekday(), shift.site_id, shift.start_time, shift.end_time


def levels_like_previous(period: Period, gp: GP, shifts: list[Shift]) -> dict[int, str] | None:
    """The previous period's answer mapped by weekday + site + hours; None when there is none to copy.

    Where a weekday shape had several answers last time, the most frequent level wins (preferred on ties).
    """
    previous = previous_period(period)
    if previous is None or answer_of(previous, gp) is None:
        return None
    old = saved_levels(previous, gp)
    counts: dict[tuple, dict[str, int]] = {}
    for shift in db.session.scalars(select(Shift).where(Shift.period_id == previous.id)):
        tally = counts.setdefault(shape(shift), dict.fromkeys(CHOICES, 0))
        tally[old.get(shift.id, UNAVAILABLE)] += 1
    levels = {}
    for shift in shifts:
        tally = counts.get(shape(shift))
        if tally:
            best = max(CHOICES, key=lambda level: (tally[level], CHOICES.index(level)))
            if best != UNAVAILABLE:
                levels[shift.id] = best
    return levels


def apply_fill(fill: str, shifts: list[Shift], levels: dict[int, str]) -> dict[int, str]:
    """A weekly pattern: the matching shifts become available (preferred ones stay preferred)."""
    result = dict(levels)
    for shift in shifts:
        if pattern_key(shift) == fill and result.get(shift.id) != "preferred":
            result[shift.id] = "available"
    return result


def lock_gp(gp: GP) -> None:
    """Serialise one GP's saves: SELECT … FOR UPDATE (PostgreSQL; SQLite has one writer at a time)."""
    # The GP row, not the answer row: it exists before the first answer, so two first saves queue up too.
    db.session.execute(select(GP.id).where(GP.id == gp.id).with_for_update())


def save_answer(
    period: Period,
    gp: GP,
    levels: dict[int, str],
    limits: Limits,
    comment: str | None,
    now: datetime | None = None,
    entered_by: User | None = None,
) -> AvailabilityAnswer:
    """Replace the GP's availability for the period and record the answer, in the caller's transaction.

    The whole answer is replaced under a lock on the GP: of two concurrent saves the last one wins whole.
    `entered_by`: the coordinator typing an answer received by phone or paper (allowed after the deadline).
    Raises before writing anything when the period is closed or a shift id is not one the GP may answer for.
    """
    now = now or utcnow()
    lock_gp(gp)
    db.session.refresh(period)  # read after the lock: a reopening or a closing committed meanwhile counts
    if entered_by is None and not is_open(period, now):
        raise AnswerClosed("La date limite est passée : vos disponibilités ne peuvent plus être modifiées.")
    if entered_by is not None and period.state == "draft":
        raise AnswerClosed("Cette période n'est pas encore ouverte au recueil des disponibilités.")
    allowed = {shift.id for shift in answerable_shifts(period, gp)}
    unknown = sorted(set(levels) - allowed)
    if unknown:
        raise UnknownShift(f"Garde inconnue pour cette période : {unknown[0]}.")
    bad = [level for level in levels.values() if level not in CHOICES]
    if bad:
        raise AvailabilityError(f"Choix inconnu : {bad[0]}.")
    for value in (limits.max_shifts, limits.max_per_week, limits.max_saturdays):
        if value is not None and value < 0:
            raise AvailabilityError("Les limites sont des nombres positifs ou nuls.")

    period_shift_ids = select(Shift.id).where(Shift.period_id == period.id)
    db.session.execute(
        delete(Availability).where(Availability.gp_id == gp.id, Availability.shift_id.in_(period_shift_ids))
    )
    kept = {shift_id: level for shift_id, level in levels.items() if level != UNAVAILABLE}
    db.session.add_all(Availability(gp_id=gp.id, shift_id=sid, level=lvl) for sid, lvl in kept.items())
    answer = answer_of(period, gp) or AvailabilityAnswer(gp_id=gp.id, period_id=period.id)
    answer.answered_at = now
    answer.max_shifts = limits.max_shifts
    answer.max_per_week = limits.max_per_week
    answer.max_saturdays = limits.max_saturdays
    answer.comment = (comment or "").strip() or None
    answer.entered_by_id = entered_by.id if entered_by is not None else None
    db.session.add(answer)
    db.session.flush()
    audit.record(
        "availability.enter" if entered_by is not None else "availability.save",
        "availability_answer",
        answer.id,
        actor=entered_by,
        period=period.id,
        gp=gp.id,
        available=sum(1 for level in kept.values() if level == "available"),
        preferred=sum(1 for level in kept.values() if level == "preferred"),
    )
    return answer


def default_limits(period: Period, gp: GP) -> Limits:
    """Each limit of the saved answer, else the GP's profile default — what the solver applies (scheduling.limit)."""
    answer = answer_of(period, gp)

    def pick(name: str) -> int | None:
        value = getattr(answer, name) if answer is not None else None
        return value if value is not None else getattr(gp, name)

    return Limits(pick("max_shifts"), pick("max_per_week"), pick("max_saturdays"))


def summary(levels: dict[int, str]) -> dict[str, int]:
    return {
        "available": sum(1 for v in levels.values() if v == "available"),
        "preferred": sum(1 for v in levels.values() if v == "preferred"),
    }
