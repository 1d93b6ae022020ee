"""Independent checker of a Curtois–Qu roster, written from FORMAT.md sections 4–5, not from the model.

It works on the plain roster (who works which shift on which day) so that a bug in the CP-SAT model
cannot hide itself: the model's claimed penalty is compared with the one computed here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from solver.curtois.instance import Employee, Instance

# employee id -> one entry per day: the shift id, or None for a day off.
Roster = dict[str, list[str | None]]


@dataclass
class Evaluation:
    penalty: int
    violations: list[str] = field(default_factory=list)
    breakdown: dict[str, int] = field(default_factory=dict)

    @property
    def feasible(self) -> bool:
        return not self.violations


def evaluate(instance: Instance, roster: Roster) -> Evaluation:
    """Hard violations (one message each) and the soft penalty of `roster`."""
    violations = one_shift_per_day(instance, roster)
    for employee in instance.employees:
        days = roster.get(employee.id, [None] * instance.horizon)
        if len(days) != instance.horizon:
            continue  # already reported by one_shift_per_day
        for rule in EMPLOYEE_RULES:
            violations += rule(instance, employee, days)
    breakdown = {
        "shift-on requests": shift_on_requests(instance, roster),
        "shift-off requests": shift_off_requests(instance, roster),
        "cover": cover(instance, roster),
    }
    return Evaluation(sum(breakdown.values()), violations, breakdown)


def one_shift_per_day(instance: Instance, roster: Roster) -> list[str]:
    """Hard: every employee gets exactly one entry per day, a known shift or a day off."""
    out = []
    known = set(instance.shift_ids)
    staff = {e.id for e in instance.employees}
    out += [f"{e}: not an employee of the instance" for e in roster.keys() - staff]
    for e, days in roster.items():
        if len(days) != instance.horizon:
            out.append(f"{e}: {len(days)} days in the roster, horizon is {instance.horizon}")
        out += [f"{e} day {d}: unknown shift {s!r}" for d, s in enumerate(days) if s and s not in known]
    return out


def shift_rotation(instance: Instance, employee: Employee, days: list[str | None]) -> list[str]:
    """Hard: a shift never follows, on the next day, one of the shifts it forbids."""
    forbidden = {s.id: s.forbidden_next for s in instance.shifts}
    return [
        f"{employee.id} days {d}-{d + 1}: {days[d + 1]} may not follow {days[d]}"
        for d in range(instance.horizon - 1)
        if days[d] and days[d + 1] and days[d + 1] in forbidden.get(days[d], ())
    ]


def max_shifts_per_type(instance: Instance, employee: Employee, days: list[str | None]) -> list[str]:
    """Hard: each shift type is worked at most MaxShifts[type] times."""
    out = []
    for shift in instance.shift_ids:
        count = days.count(shift)
        limit = employee.max_shifts.get(shift, instance.horizon)
        if count > limit:
            out.append(f"{employee.id}: {count} {shift} shifts, at most {limit}")
    return out


def total_minutes(instance: Instance, employee: Employee, days: list[str | None]) -> list[str]:
    """Hard: worked minutes lie between MinTotalMinutes and MaxTotalMinutes."""
    length = {s.id: s.minutes for s in instance.shifts}
    minutes = sum(length.get(s, 0) for s in days if s)
    if not employee.min_minutes <= minutes <= employee.max_minutes:
        return [f"{employee.id}: {minutes} minutes, allowed {employee.min_minutes}..{employee.max_minutes}"]
    return []


def _runs(days: list[str | None], working: bool) -> list[tuple[int, int]]:
    """Maximal runs of working days (or of days off) as (first day, length)."""
    runs: list[tuple[int, int]] = []
    for d, shift in enumerate(days):
        if (shift is not None) != working:
            continue
        if runs and runs[-1][0] + runs[-1][1] == d:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((d, 1))
    return runs


def max_consecutive_shifts(instance: Instance, employee: Employee, days: list[str | None]) -> list[str]:
    """Hard: no run of working days longer than MaxConsecutiveShifts."""
    return [
        f"{employee.id}: {length} consecutive shifts from day {start}, at most {employee.max_consecutive}"
        for start, length in _runs(days, working=True)
        if length > employee.max_consecutive
    ]


def _short_inner_runs(instance: Instance, days: list[str | None], working: bool, minimum: int) -> list:
    # Runs touching day 0 or day H-1 are exempt: the benchmark assumes unlimited runs outside the horizon.
    last = instance.horizon - 1
    return [
        (start, length)
        for start, length in _runs(days, working)
        if length < minimum and start != 0 and start + length - 1 != last
    ]


def min_consecutive_shifts(instance: Instance, employee: Employee, days: list[str | None]) -> list[str]:
    """Hard: every run of working days not touching a horizon end lasts at least MinConsecutiveShifts."""
    return [
        f"{employee.id}: only {length} shifts in a row from day {start}, at least {employee.min_consecutive}"
        for start, length in _short_inner_runs(instance, days, True, employee.min_consecutive)
    ]


def min_consecutive_days_off(instance: Instance, employee: Employee, days: list[str | None]) -> list[str]:
    """Hard: every run of days off not touching a horizon end lasts at least MinConsecutiveDaysOff."""
    return [
        f"{employee.id}: only {length} days off from day {start}, at least {employee.min_days_off}"
        for start, length in _short_inner_runs(instance, days, False, employee.min_days_off)
    ]


def max_weekends(instance: Instance, employee: Employee, days: list[str | None]) -> list[str]:
    """Hard: at most MaxWeekends weekends with a shift on Saturday or Sunday."""
    worked = sum(1 for k in range(instance.weekends) if days[7 * k + 5] or days[7 * k + 6])
    if worked > employee.max_weekends:
        return [f"{employee.id}: {worked} weekends worked, at most {employee.max_weekends}"]
    return []


def days_off(instance: Instance, employee: Employee, days: list[str | None]) -> list[str]:
    """Hard: no shift on a day listed in SECTION_DAYS_OFF for the employee."""
    return [f"{employee.id} day {d}: works {days[d]} on a day off" for d in sorted(employee.days_off) if days[d]]


EMPLOYEE_RULES = (
    shift_rotation,
    max_shifts_per_type,
    total_minutes,
    max_consecutive_shifts,
    min_consecutive_shifts,
    min_consecutive_days_off,
    max_weekends,
    days_off,
)


def _assigned(roster: Roster, employee: str, day: int) -> str | None:
    days = roster.get(employee)
    return days[day] if days and day < len(days) else None


def shift_on_requests(instance: Instance, roster: Roster) -> int:
    """Soft: weight of every shift-on request whose exact shift is not assigned that day."""
    return sum(r.weight for r in instance.on_requests if _assigned(roster, r.employee, r.day) != r.shift)


def shift_off_requests(instance: Instance, roster: Roster) -> int:
    """Soft: weight of every shift-off request whose shift is assigned that day."""
    return sum(r.weight for r in instance.off_requests if _assigned(roster, r.employee, r.day) == r.shift)


def cover(instance: Instance, roster: Roster) -> int:
    """Soft: weighted shortfall and excess against each (day, shift) requirement."""
    total = 0
    for c in instance.cover:
        assigned = sum(1 for days in roster.values() if c.day < len(days) and days[c.day] == c.shift)
        total += c.weight_under * max(0, c.requirement - assigned) + c.weight_over * max(0, assigned - c.requirement)
    return total
