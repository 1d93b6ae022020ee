"""Who can take a published garde, and the change itself: one new published version with the minimal diff.

Every path that changes a published planning after the fact — the coordination's one-step replacement,
`python -m sched replace`, an offer taken on the market, a swap, an absence, a deactivation — ends in
`amend_published`, so bookings follow the doctor, feeds change their SEQUENCE and only the GPs concerned are told.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from sched.extensions import db
from sched.models import (
    GP,
    Absence,
    Assignment,
    Availability,
    AvailabilityAnswer,
    Period,
    RosterVersion,
    Shift,
    Territory,
    User,
    utcnow,
)
from sched.services import audit, notifications, scheduling
from sched.services.mail import queue_template
from sched.services.publish import publish
from sched.services.review import working_draft
from sched.services.rosters import latest_published_ids, published_version
from sched.services.wording import shift_label

LEVEL_LABELS = {"preferred": "Préféré", "available": "Disponible", "unavailable": "Indisponible", None: "—"}
LEVEL_RANK = {"preferred": 0, "available": 1, None: 2, "unavailable": 3}


class ReplacementError(ValueError):
    """A change refused; the message is French and says why."""


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


def absent_gp_ids(day: date, gp_ids: set[int] | None = None) -> set[int]:
    query = select(Absence.gp_id).where(Absence.start_date <= day, Absence.end_date >= day)
    if gp_ids is not None:
        query = query.where(Absence.gp_id.in_(gp_ids))
    return set(db.session.scalars(query))


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

    @classmethod
    def load(cls, shift: Shift) -> Facts:
        period = shift.period
        rows = db.session.execute(
            select(Assignment.gp_id, Shift.id, Shift.date, Shift.period_id, Shift.starts_at, Shift.ends_at)
            .join(Shift, Shift.id == Assignment.shift_id)
            .join(Period, Period.id == Shift.period_id)
            .where(
                Assignment.version_id.in_(latest_published_ids()),
                Period.territory_id == period.territory_id,
                Shift.period_id == period.id,
            )
        ).all()
        same_day = db.session.execute(
            select(Assignment.gp_id)
            .join(Shift, Shift.id == Assignment.shift_id)
            .join(Period, Period.id == Shift.period_id)
            .where(
                Assignment.version_id.in_(latest_published_ids()),
                Period.territory_id == period.territory_id,
                Shift.date == shift.date,
            )
        ).scalars()
        in_period, in_week, saturdays, minutes = Counter(), Counter(), Counter(), Counter()
        on = set()
        for gp_id, shift_id, day, _, starts, ends in rows:
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
        return cls(
            on, set(same_day), absent_gp_ids(shift.date), answers, levels, in_period, in_week, saturdays, minutes
        )

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


Change = tuple[Shift, GP, GP | None]  # garde, GP leaving it, GP taking it (None: left uncovered)


def amend_published(
    period: Period, changes: list[Change], actor: User | None, source: str = "replacement", note: str = ""
) -> RosterVersion:
    """Publish version n+1 = the published planning with `changes`; the caller commits.

    A working draft in progress keeps its own edits: the same changes are applied to it and it is renumbered
    after the new version, so it stays the draft.
    """
    published = published_version(period)
    if published is None:
        raise ReplacementError("Cette période n'a pas de planning publié.")
    draft = working_draft(period)
    number = scheduling.next_version_number(period)
    if draft is not None:
        number = draft.number
        draft.number = number + 1
        db.session.flush()
    current = {(a.shift_id, a.gp_id): a for a in published.assignments}
    for shift, leaving, taking in changes:
        if (shift.id, leaving.id) not in current:
            raise ReplacementError(f"{leaving.name} n'est pas sur la {shift_label(shift)}.")
        if taking is not None and (shift.id, taking.id) in current:
            raise ReplacementError(f"{taking.name} est déjà sur la {shift_label(shift)}.")
    version = RosterVersion(
        period_id=period.id,
        number=number,
        source=source,
        created_by_id=actor.id if actor else None,
        solver_status=published.solver_status,
        diagnostics=[],
        note=note or None,
        assignments=[
            Assignment(shift_id=a.shift_id, gp_id=a.gp_id, pinned=a.pinned, override_reason=a.override_reason)
            for a in published.assignments
        ],
    )
    for target in (version, draft) if draft is not None else (version,):
        apply_changes(target, changes)
    db.session.add(version)
    db.session.flush()
    previous = published
    publish(version, actor)
    notifications.roster_published(version, previous)
    left_empty = [
        s for s, _, taking in changes if taking is None and not any(a.shift_id == s.id for a in version.assignments)
    ]
    if left_empty:
        tell_regulators(period, left_empty)
    audit.record(
        "roster.replace", "roster_version", version.id, actor=actor, source=source,
        changes=[[s.id, a.id, b.id if b else None] for s, a, b in changes],
    )  # fmt: skip
    return version


def tell_regulators(period: Period, shifts: list[Shift]) -> None:
    """Gardes left with no doctor after publication: the regulators must not send patients there."""
    territory = db.session.get(Territory, period.territory_id)
    if not territory.regulators_email:
        return
    queue_template(
        territory.regulators_email, "Garde sans médecin : ne pas orienter de patient", "notice", "garde_uncovered",
        name=None, link=None, action=None,
        paragraphs=[f"Plus aucun médecin n'assure la {shift_label(s)} au {s.site.name}." for s in shifts]
        + ["La coordination de la CPTS cherche un remplaçant ; la liste de la régulation est à jour."],
    )  # fmt: skip


def apply_changes(version: RosterVersion, changes: list[Change]) -> None:
    by_key = defaultdict(list)
    for a in version.assignments:
        by_key[(a.shift_id, a.gp_id)].append(a)
    for shift, leaving, taking in changes:
        for a in by_key.get((shift.id, leaving.id), []):
            version.assignments.remove(a)
        if taking is not None and not by_key.get((shift.id, taking.id)):
            version.assignments.append(Assignment(shift_id=shift.id, gp_id=taking.id))


def replace(
    shift: Shift, leaving: GP, taking: GP | None, actor: User | None, reason: str = ""
) -> tuple[RosterVersion, GP]:
    """Replace `leaving` by `taking` on a published garde (the best-ranked eligible GP when `taking` is None)."""
    if shift.starts_at <= utcnow():
        raise ReplacementError("Cette garde est commencée ou passée : elle ne peut plus être remplacée.")
    if leaving.id not in on_shift(shift):
        raise ReplacementError(f"{leaving.name} n'est pas sur la {shift_label(shift)}.")
    if taking is None:
        ranked = candidates(shift, exclude={leaving.id})
        if not ranked:
            raise ReplacementError(f"Aucun médecin ne peut prendre la {shift_label(shift)}.")
        taking = ranked[0].gp
    refused = refusal(shift, taking)
    if refused:
        raise ReplacementError(refused)
    note = f"{leaving.name} remplacé(e) par {taking.name}" + (f" : {reason.strip()}" if reason.strip() else "")
    version = amend_published(shift.period, [(shift, leaving, taking)], actor, "replacement", note)
    return version, taking
