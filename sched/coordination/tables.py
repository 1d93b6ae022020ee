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
        return f"{self.minutes // 60} h {self.minutes % 60:02d}" if self.minutes % 60 else f"{self.minutes // 60} h"


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
    return sorted(rows.values(), key=lambda r: (-(r.minutes + r.history), r.gp.name))


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
