"""The problem's data, already validated: shifts, GPs, pins, and the calendar facts every rule needs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

SCORE_KEYS: tuple[str, ...] = ("uncovered", "removed", "understaffed", "max_load", "load_sq", "unpreferred")
LEVELS: tuple[str, ...] = ("available", "preferred")

Pair = tuple[str, str]
"""An assignment as (gp id, shift id)."""


@dataclass(frozen=True)
class Shift:
    """One shift at one site; `start_utc`/`end_utc` are instants (minutes since the epoch) in the problem's zone."""

    id: str
    site: str
    start: datetime
    end: datetime
    min: int
    target: int
    priority: int
    start_utc: int
    end_utc: int

    @property
    def minutes(self) -> int:
        """Real length in minutes: a shift across a clock change lasts what the clock says it lasts."""
        return self.end_utc - self.start_utc

    @property
    def day(self) -> date:
        return self.start.date()

    @property
    def week(self) -> tuple[int, int]:
        """ISO (year, week) of the start: weeks run Monday to Sunday."""
        iso = self.start.isocalendar()
        return (iso.year, iso.week)

    @property
    def saturday(self) -> bool:
        return self.start.weekday() == 5


@dataclass(frozen=True)
class GP:
    """One GP: limits (None means no limit), history, allowed sites (None means all) and availability."""

    id: str
    max_shifts: int | None
    max_per_week: int | None
    max_saturdays: int | None
    history_minutes: int
    sites: frozenset[str] | None
    availability: dict[str, str] = field(hash=False)

    def allows_site(self, site: str) -> bool:
        return self.sites is None or site in self.sites


@dataclass(frozen=True)
class Problem:
    """A validated snp-roster/1 problem."""

    name: str
    timezone: str
    one_shift_per_day: bool
    shifts: tuple[Shift, ...]
    gps: tuple[GP, ...]
    pinned: tuple[Pair, ...]
    previous: tuple[Pair, ...]

    def shift(self, shift_id: str) -> Shift:
        return self._shifts_by_id[shift_id]

    def gp(self, gp_id: str) -> GP:
        return self._gps_by_id[gp_id]

    # Built on first use and kept in the instance's __dict__ (cached_property writes there, frozen or not): a
    # lookup is one attribute and one dict access (the model build looks shifts up ~90,000 times a quarter).
    @cached_property
    def _shifts_by_id(self) -> dict[str, Shift]:
        return {s.id: s for s in self.shifts}

    @cached_property
    def _gps_by_id(self) -> dict[str, GP]:
        return {g.id: g for g in self.gps}

    def level(self, gp_id: str, shift_id: str) -> str | None:
        """'pinned', 'preferred', 'available' or None: pinned wins because a pin is the coordinator's word."""
        if (gp_id, shift_id) in self.pinned_set:
            return "pinned"
        return self.gp(gp_id).availability.get(shift_id)

    @property
    def pinned_set(self) -> frozenset[Pair]:
        cached = self.__dict__.get("_pinned_set")
        if cached is None:
            cached = frozenset(self.pinned)
            object.__setattr__(self, "_pinned_set", cached)
        return cached

    def eligible(self, gp_id: str, shift_id: str) -> bool:
        """Hard rule 2: the GP may take the shift (available, preferred or pinned, and an allowed site)."""
        return self.level(gp_id, shift_id) is not None and self.gp(gp_id).allows_site(self.shift(shift_id).site)


class ProblemError(ValueError):
    """A problem that breaks the format: names the offending field and, when there is one, the id."""

    def __init__(self, field: str, id: str | None, detail: str) -> None:
        self.field = field
        self.id = id
        where = f"{field}" + (f" (id {id!r})" if id is not None else "")
        super().__init__(f"invalid problem: {where}: {detail}")
