"""Local moves that mend cover on the long instances, between the mixed shifts and the windows.

The construction fixes who works when, and `mix_shifts` keeps those days. When it gave one shift type per
employee (until the thirteenth session) the long shifts (600 and 720 minutes) of Instances 21, 23 and 24 stayed
short while the 480-minute ones were over (Instance23 after mixing: 6 738 shifts short, 6 700 of them long;
11 727 over, all of them 480 minutes); now it plans them, and the moves mend what is still short after mixing
(Instance21: 1 121 shifts in one run). The minutes window holds each employee's working days where they are,
so a shift can often only come in when a day goes out. Passes of moves, each kept only when the penalty drops:

- a day dropped where its cover line is over (this frees minutes);
- a short line filled by the employee whose move costs least: the day's shift changed, or a day off worked;
- if that employee's maximum minutes forbid it, the fill with the cheapest day dropped that brings them back;
- if the employee leaves a line short, that line filled the same day by someone else (an ejection).

Each move is checked against every hard rule, looking only at the days around it (the rules are local in time
except the counts, kept per employee); a test checks that this agrees with the evaluator's rules.
"""

from __future__ import annotations

import random
import time
from collections import Counter

from solver.curtois.construct import Builder, allowed_shifts
from solver.curtois.instance import Employee

Day = str | None
DROP_TRIES = 3  # per short line, candidates over their maximum minutes tried with a day dropped
# Passes go on while each lowers the penalty by this fraction at least. Instance24: the first pass takes 5 s
# (1.08 million to 269 710), each later one 1.4-2 s for 9 %, 2.9 %, 0.9 %, 0.5 %, 0.2 %...; the windows that
# follow gain 2.5 % a second there at first (242 000 to 224 000 in 2.9 s), so the passes stop at 1 %.
PASS_GAIN = 0.01
EJECTION_TRIES = 3  # per short line still short, candidates tried whose own line someone else then fills


class _Staff:
    """Each employee's column with the counts the hard rules need: minutes, shifts per type, weekends."""

    def __init__(self, builder: Builder) -> None:
        instance = builder.instance
        self.builder, self.instance, self.horizon = builder, instance, instance.horizon
        self.length: dict[Day, int] = {None: 0} | {s.id: s.minutes for s in instance.shifts}
        self.forbidden = {s.id: s.forbidden_next for s in instance.shifts}
        self.employees = {e.id: e for e in instance.employees}
        self.allowed = {e.id: {s.id for s in allowed_shifts(instance, e)} for e in instance.employees}
        self.columns = {e: list(column) for e, column in builder.roster.items()}
        self.minutes = {e: sum(self.length[t] for t in c) for e, c in self.columns.items()}
        self.types = {e: Counter(t for t in c if t is not None) for e, c in self.columns.items()}
        self.weekends = {e: sum(self._weekend(c, k) for k in range(instance.weekends)) for e, c in self.columns.items()}
        # The employees who may work each type, with their columns: the candidates of a line.
        self.takers = {t: [(e, self.columns[e]) for e in self.columns if t in self.allowed[e]] for t in self.forbidden}
        # What the requests of (employee, day) add when shift t is worked there, less what they add on a day off
        # (the shift-on weights of that day are paid either way unless t is requested): a move's change is the
        # difference of two lookups. The same request twice counts twice.
        self.requested: dict[tuple[str, int], dict[Day, int]] = {}
        for requests, sign in ((instance.on_requests, -1), (instance.off_requests, +1)):
            for r in requests:
                weights = self.requested.setdefault((r.employee, r.day), {})
                weights[r.shift] = weights.get(r.shift, 0) + sign * r.weight

    @staticmethod
    def _weekend(column: list[Day], k: int) -> bool:
        return column[7 * k + 5] is not None or column[7 * k + 6] is not None

    # --- what a move costs --------------------------------------------------------------------------------

    def delta(self, e: str, d: int, new: Day) -> int:
        """The penalty's change if employee e works `new` on day d instead of what they work now."""
        old, marginal = self.columns[e][d], self.builder.marginal
        cover = marginal(d, old, -1) + (marginal(d, new, +1) if new is not None else 0)
        weights = self.requested.get((e, d))
        if weights is None:  # most days
            return cover
        return cover + weights.get(new, 0) - weights.get(old, 0)

    def gains(self, d: int, t: str) -> list[tuple[int, str]]:
        """(penalty change, employee) for every employee who may take shift t on day d and does not work it:
        `delta` for them all, with the cover terms priced once per shift left rather than once per employee."""
        marginal, requested = self.builder.marginal, self.requested
        taking = marginal(d, t, +1)
        leaving: dict[Day, int] = {}
        out = []
        for e, column in self.takers[t]:
            old = column[d]
            if old == t:
                continue
            if old not in leaving:
                leaving[old] = taking + marginal(d, old, -1)
            weights = requested.get((e, d))
            if weights is None:
                out.append((leaving[old], e))
            else:
                out.append((leaving[old] + weights.get(t, 0) - weights.get(old, 0), e))
        return out

    # --- the hard rules, around the day changed -----------------------------------------------------------

    def over(self, e: str, d: int, new: str) -> bool:
        """Employee e over their maximum minutes with `new` on day d: `fits` refuses it, and this says so
        faster where most candidates are refused (an ejection's: 760 000 of Instance23's 1.5 million checks)."""
        return self.minutes[e] + self.length[new] - self.length[self.columns[e][d]] > self.employees[e].max_minutes

    def fits(self, e: str, d: int, new: Day, spare: int = 0) -> bool:
        """Every hard rule holds once employee e works `new` on day d (the column holds them now), the maximum
        minutes exceeded by at most `spare` (a day dropped next will bring them back)."""
        employee, column = self.employees[e], self.columns[e]
        old = column[d]
        minutes = self.minutes[e] - self.length[old] + self.length[new]  # the most selective check first
        if not employee.min_minutes <= minutes <= employee.max_minutes + spare:
            return False
        if new is not None:
            if (
                new not in self.allowed[e]
                or d in employee.days_off
                or self.types[e][new] >= employee.max_shifts.get(new, self.horizon)
                or not self._rotation(column, d, new)
            ):
                return False
            if old is not None:  # another shift the same day: the runs and the weekends stay as they are
                return True
        if self.weekends[e] + self._weekend_change(column, d, old, new) > employee.max_weekends:
            return False
        column[d] = new
        try:
            return self._runs(employee, column, d)
        finally:
            column[d] = old

    def _rotation(self, column: list[Day], d: int, here: str) -> bool:
        """Shift `here` on day d follows the day before and comes before the day after (a day off never breaks
        the rotation)."""
        before = column[d - 1] if d > 0 else None
        after = column[d + 1] if d + 1 < self.horizon else None
        return (before is None or here not in self.forbidden[before]) and (
            after is None or after not in self.forbidden[here]
        )

    def _runs(self, employee: Employee, column: list[Day], d: int) -> bool:
        """The runs through d - 1, d and d + 1: the only ones a change on d can make, merge or split."""
        last = self.horizon - 1
        for day in (d - 1, d, d + 1):
            if not 0 <= day <= last:
                continue
            working = column[day] is not None
            first = day
            while first > 0 and (column[first - 1] is not None) == working:
                first -= 1
            end = day
            while end < last and (column[end + 1] is not None) == working:
                end += 1
            length, edge = end - first + 1, first == 0 or end == last
            if working and length > employee.max_consecutive:
                return False
            minimum = employee.min_consecutive if working else employee.min_days_off
            if length < minimum and not edge:
                return False
        return True

    def _weekend_change(self, column: list[Day], d: int, old: Day, new: Day) -> int:
        """How many more weekends are worked (-1, 0, +1) when day d goes from `old` to `new`."""
        k = d // 7
        if d % 7 < 5 or k >= self.instance.weekends:
            return 0
        other = column[7 * k + 11 - d % 7]  # the weekend's other day
        return (new is not None or other is not None) - (old is not None or other is not None)

    # --- a move ------------------------------------------------------------------------------------------

    def apply(self, e: str, d: int, new: Day) -> None:
        column = self.columns[e]
        old = column[d]
        self.weekends[e] += self._weekend_change(column, d, old, new)
        column[d] = new
        self.minutes[e] += self.length[new] - self.length[old]
        if old is not None:
            self.types[e][old] -= 1
        if new is not None:
            self.types[e][new] += 1
        self.builder.move(e, d, new)


def repair(builder: Builder, deadline: float, seed: int = 0) -> int:
    """Drops and fills until a pass gains less than PASS_GAIN or the deadline passes; the moves made.
    `builder` holds the roster, valid before and after every move."""
    staff, rng, moves = _Staff(builder), random.Random(seed), 0
    while time.monotonic() < deadline:
        before = builder.penalty()
        made = _drops(staff, deadline) + _fills(staff, deadline, rng)
        moves += made
        if not made or builder.penalty() > before * (1 - PASS_GAIN):
            break
    return moves


def _drops(staff: _Staff, deadline: float) -> int:
    """Every working day whose line is over (and no request wants it) goes out where the rules allow."""
    made = 0
    for e, column in staff.columns.items():
        if time.monotonic() > deadline:
            break
        for d, t in enumerate(column):
            if t is not None and staff.delta(e, d, None) < 0 and staff.fits(e, d, None):
                staff.apply(e, d, None)
                made += 1
    return made


def _fill_and_drop(staff: _Staff, e: str, d: int, t: str, gain: int) -> bool:
    """Shift t on day d for employee e, over their maximum minutes, and the day whose drop costs least and
    brings the minutes back; made only when both together lower the penalty (`gain`: the fill's change)."""
    old = staff.columns[e][d]
    staff.apply(e, d, t)
    drops = sorted(
        (staff.delta(e, day, None), day) for day, shift in enumerate(staff.columns[e]) if shift is not None and day != d
    )
    for cost, day in drops:
        if gain + cost >= 0:
            break
        if staff.fits(e, day, None):
            staff.apply(e, day, None)
            return True
    staff.apply(e, d, old)
    return False


def _fills(staff: _Staff, deadline: float, rng: random.Random) -> int:
    """Each short line in turn, in random order, takes the employees whose move on that day costs least."""
    builder, made = staff.builder, 0
    short = [key for key, c in builder.cover.items() if builder.count[key] < c.requirement]
    rng.shuffle(short)
    for d, t in short:
        if time.monotonic() > deadline:
            break
        requirement = builder.cover[d, t].requirement
        gains = sorted(staff.gains(d, t))
        moved, tries = False, 0
        for gain, e in gains:
            if gain >= 0 or builder.count[d, t] >= requirement:
                break
            # A move on this line may change what the next one gains (a line it leaves): priced again then.
            if moved and (gain := staff.delta(e, d, t)) >= 0:
                continue
            if staff.fits(e, d, t):
                staff.apply(e, d, t)
                made, moved = made + 1, True
            elif tries < DROP_TRIES and staff.fits(e, d, t, spare=staff.length[t]):
                tries += 1
                if _fill_and_drop(staff, e, d, t, gain):
                    made, moved = made + 2, True
        if builder.count[d, t] < requirement:
            made += _fill_by_ejection(staff, d, t, gains)
    return made


def _fill_by_ejection(staff: _Staff, d: int, t: str, gains: list[tuple[int, str]]) -> int:
    """Line (d, t) taken by an employee whose own line then falls short, that line filled by someone else
    the same day: made only when both together lower the penalty. Moves made (0 or 2)."""
    tries = 0
    for gain, e in gains:
        if tries >= EJECTION_TRIES:
            break
        old = staff.columns[e][d]
        if gain < 0 or old is None or staff.over(e, d, t):
            continue
        if (gain := staff.delta(e, d, t)) < 0 or not staff.fits(e, d, t):
            continue  # a direct fill was refused above; priced again after the moves made since
        tries += 1
        staff.apply(e, d, t)
        for second, f in sorted(staff.gains(d, old)):
            if gain + second >= 0:
                break
            if f != e and not staff.over(f, d, old) and staff.fits(f, d, old):
                staff.apply(f, d, old)
                return 2
        staff.apply(e, d, old)
    return 0
