"""Tables of the review pages: the calendar (days × sites), fairness per GP, differences between versions."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select

from sched.extensions import db
from sched.models import GP, Assignment, Availability, Period, RosterVersion, Shift
from sched.services import scheduling


@dataclass
class FairnessRow:
    gp: GP
    shifts: int = 0
    minutes: int = 0
    saturdays: int = 0
    history: int = 0
    preferred: int = 0
    available: int = 0
    pinned: int = 0
    days: list = field(default_factory=list)

    @property
    def hours(self) -> str:
        return hours_fr(self.minutes)

    @property
    def load(self) -> int:
        """What the solver evens out: minutes of this period plus the history before it."""
        return self.minutes + self.history


def hours_fr(minutes: int) -> str:
    return f"{minutes // 60} h {minutes % 60:02d}" if minutes % 60 else f"{minutes // 60} h"


@dataclass
class Coverage:
    uncovered: int = 0  # open gardes below their minimum
    short_of_target: int = 0  # GPs missing to reach every open garde's target


def coverage(period: Period, version: RosterVersion | None) -> Coverage:
    """The planning as it stands now (manual changes included), counted garde by garde."""
    counts: dict[int, int] = defaultdict(int)
    for a in version.assignments if version else []:
        counts[a.shift_id] += 1
    result = Coverage()
    for s in period.shifts:
        if s.closed:
            continue
        result.uncovered += counts[s.id] < s.min_gps
        result.short_of_target += max(0, s.target_gps - counts[s.id])
    return result


def fairness(period: Period, version: RosterVersion) -> list[FairnessRow]:
    """Per GP: shifts, hours, Saturdays, history before the period, preferences honoured."""
    history = scheduling.history_minutes(period)
    levels = {
        (a.gp_id, a.shift_id): a.level
        for a in db.session.scalars(
            select(Availability).where(Availability.shift_id.in_([s.id for s in period.shifts]))
        )
    }
    rows: dict[int, FairnessRow] = {}
    for a in version.assignments:
        row = rows.setdefault(a.gp_id, FairnessRow(a.gp, history=a.gp.history_minutes + history.get(a.gp_id, 0)))
        row.shifts += 1
        row.minutes += a.shift.duration_minutes
        row.saturdays += a.shift.date.weekday() == 5
        level = levels.get((a.gp_id, a.shift_id))
        if a.pinned and level is None:
            row.pinned += 1
        elif level == "preferred":
            row.preferred += 1
        else:
            row.available += 1
    return sorted(rows.values(), key=lambda r: (-r.load, r.gp.name))


def fairness_totals(rows: list[FairnessRow]) -> FairnessRow:
    """The column totals of the fairness table (a row without a GP)."""
    total = FairnessRow(gp=None)
    for r in rows:
        total.shifts += r.shifts
        total.minutes += r.minutes
        total.saturdays += r.saturdays
        total.history += r.history
        total.preferred += r.preferred
        total.pinned += r.pinned
    return total


def calendar(period: Period, version: RosterVersion | None):
    """Rows of days × sites: each cell the shifts of that day at that site with their assignments."""
    by_shift: dict[int, list[Assignment]] = defaultdict(list)
    for a in version.assignments if version else []:
        by_shift[a.shift_id].append(a)
    sites = sorted({s.site for s in period.shifts}, key=lambda s: s.name)
    days = sorted({s.date for s in period.shifts})
    cells: dict[tuple, list] = defaultdict(list)
    for s in period.shifts:
        cells[(s.date, s.site_id)].append((s, sorted(by_shift[s.id], key=lambda a: a.gp.name)))
    return sites, days, cells


def diff(old: RosterVersion | None, new: RosterVersion) -> list[dict]:
    """Per shift that changed between two versions: GPs added and removed."""
    before: dict[int, set[int]] = defaultdict(set)
    after: dict[int, set[int]] = defaultdict(set)
    gps: dict[int, GP] = {}
    shifts: dict[int, Shift] = {}
    for version, target in ((old, before), (new, after)):
        for a in version.assignments if version else []:
            target[a.shift_id].add(a.gp_id)
            gps[a.gp_id], shifts[a.shift_id] = a.gp, a.shift
    changes = []
    for shift_id in set(before) | set(after):
        added, removed = after[shift_id] - before[shift_id], before[shift_id] - after[shift_id]
        if added or removed:
            changes.append(
                {
                    "shift": shifts[shift_id],
                    "added": sorted(gps[g].name for g in added),
                    "removed": sorted(gps[g].name for g in removed),
                }
            )
    return sorted(changes, key=lambda c: (c["shift"].starts_at, c["shift"].site.name))
