"""Curtois–Qu instance files: data-only classes and the parser (FORMAT.md, section 2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

SECTIONS = (
    "SECTION_HORIZON",
    "SECTION_SHIFTS",
    "SECTION_STAFF",
    "SECTION_DAYS_OFF",
    "SECTION_SHIFT_ON_REQUESTS",
    "SECTION_SHIFT_OFF_REQUESTS",
    "SECTION_COVER",
)


class InstanceError(ValueError):
    """The file is not a readable Curtois–Qu instance; the message names the line."""


@dataclass(frozen=True)
class ShiftType:
    id: str
    minutes: int
    forbidden_next: frozenset[str]


@dataclass(frozen=True)
class Employee:
    id: str
    max_shifts: dict[str, int]
    max_minutes: int
    min_minutes: int
    max_consecutive: int
    min_consecutive: int
    min_days_off: int
    max_weekends: int
    days_off: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Request:
    """A shift-on or shift-off request: `employee` would (not) like `shift` on `day`."""

    employee: str
    day: int
    shift: str
    weight: int


@dataclass(frozen=True)
class Cover:
    day: int
    shift: str
    requirement: int
    weight_under: int
    weight_over: int


@dataclass
class Instance:
    name: str
    horizon: int
    shifts: list[ShiftType]
    employees: list[Employee]
    on_requests: list[Request] = field(default_factory=list)
    off_requests: list[Request] = field(default_factory=list)
    cover: list[Cover] = field(default_factory=list)

    @property
    def shift_ids(self) -> list[str]:
        return [s.id for s in self.shifts]

    @property
    def weekends(self) -> int:
        return self.horizon // 7


def load_instance(path: str | Path) -> Instance:
    """Read and parse an instance file; any problem becomes an InstanceError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InstanceError(f"{path}: cannot read file ({exc})") from exc
    return parse_instance(text, name=path.stem)


def parse_instance(text: str, name: str = "instance") -> Instance:
    """Parse the text of an instance file (CRLF or LF)."""
    rows: dict[str, list[tuple[int, list[str]]]] = {s: [] for s in SECTIONS}
    current: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line in rows:
            current = line
        elif current is None:
            raise InstanceError(f"{name}: line {number}: data before any SECTION_ header")
        else:
            rows[current].append((number, line.split(",")))
    try:
        return _build(name, rows)
    except (ValueError, IndexError, KeyError) as exc:
        # Every message names the file, so the CLI can print it as the one line the user reads.
        raise InstanceError(f"{name}: {exc}") from None


def _int(number: int, value: str, what: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise InstanceError(f"line {number}: {what} {value!r} is not an integer") from None


def _build(name: str, rows: dict[str, list[tuple[int, list[str]]]]) -> Instance:
    if len(rows["SECTION_HORIZON"]) != 1:
        raise InstanceError("SECTION_HORIZON must hold exactly one number")
    number, fields = rows["SECTION_HORIZON"][0]
    horizon = _int(number, fields[0], "horizon")
    if horizon <= 0:
        raise InstanceError(f"line {number}: horizon must be positive")

    shifts = []
    for n, f in rows["SECTION_SHIFTS"]:
        _need(n, f, 3, "shift")
        forbidden = frozenset(x for x in f[2].split("|") if x)
        shifts.append(ShiftType(f[0], _int(n, f[1], "shift length"), forbidden))
    if not shifts:
        raise InstanceError("no shift types in SECTION_SHIFTS")
    shift_ids = {s.id for s in shifts}
    for n, f in rows["SECTION_SHIFTS"]:
        for forbidden in f[2].split("|"):
            if forbidden:
                _known(n, forbidden, shift_ids)

    days_off: dict[str, frozenset[int]] = {}
    for n, f in rows["SECTION_DAYS_OFF"]:
        days_off[f[0]] = frozenset(_day(n, d, horizon) for d in f[1:] if d)

    employees = []
    for n, f in rows["SECTION_STAFF"]:
        _need(n, f, 8, "staff")
        max_shifts = {}
        for entry in f[1].split("|"):
            shift, _, value = entry.partition("=")
            _known(n, shift, shift_ids)
            max_shifts[shift] = _int(n, value, "MaxShifts")
        # A shift type missing from MaxShifts is treated as unrestricted rather than forbidden.
        for shift in shift_ids - max_shifts.keys():
            max_shifts[shift] = horizon
        numbers = [_int(n, v, "staff limit") for v in f[2:8]]
        employees.append(Employee(f[0], max_shifts, *numbers, days_off=days_off.get(f[0], frozenset())))
    staff_ids = {e.id for e in employees}
    for employee in days_off.keys() - staff_ids:
        raise InstanceError(f"SECTION_DAYS_OFF names unknown employee {employee!r}")

    def requests(section: str) -> list[Request]:
        out = []
        for n, f in rows[section]:
            _need(n, f, 4, "request")
            _known(n, f[0], staff_ids)
            _known(n, f[2], shift_ids)
            out.append(Request(f[0], _day(n, f[1], horizon), f[2], _int(n, f[3], "weight")))
        return out

    cover = []
    for n, f in rows["SECTION_COVER"]:
        _need(n, f, 5, "cover")
        _known(n, f[1], shift_ids)
        values = [_int(n, v, "cover value") for v in (f[2], f[3], f[4])]
        cover.append(Cover(_day(n, f[0], horizon), f[1], *values))

    return Instance(
        name,
        horizon,
        shifts,
        employees,
        requests("SECTION_SHIFT_ON_REQUESTS"),
        requests("SECTION_SHIFT_OFF_REQUESTS"),
        cover,
    )


def _need(number: int, fields: list[str], count: int, what: str) -> None:
    if len(fields) < count:
        raise InstanceError(f"line {number}: a {what} line needs {count} comma-separated fields")


def _known(number: int, value: str, known: set[str]) -> None:
    if value not in known:
        raise InstanceError(f"line {number}: unknown id {value!r}")


def _day(number: int, value: str, horizon: int) -> int:
    day = _int(number, value, "day")
    if not 0 <= day < horizon:
        raise InstanceError(f"line {number}: day {day} outside the horizon 0..{horizon - 1}")
    return day
