"""Every figure of the reports, computed once: from the published plannings, the bookings and the end-of-garde counts.

The dashboard, the ARS's PDF and CSV, the command line and the monthly e-mail all read `month_report` (and
`gp_load` for the load per GP); docs/reports.md defines each figure. A month is one of the territory's local dates
(`Shift.date` is local), so no UTC boundary splits a garde from its month.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import mean, pstdev
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from sched.extensions import db
from sched.models import (
    GP,
    Assignment,
    ConsultationSlot,
    GardeCount,
    Period,
    RosterVersion,
    Shift,
    Site,
    SlotBooking,
    Territory,
    User,
    utcnow,
)
from sched.services.rosters import latest_published_ids


class ReportError(ValueError):
    """A report that cannot be made (a month written wrong), in French."""


@dataclass
class Figures:
    """One row of the report: a cabinet de garde, or the total."""

    name: str
    planned: int = 0
    held: int = 0
    open_minutes: int = 0
    gp_minutes: int = 0
    gp_ids: set[int] = field(default_factory=set)
    consultations: int = 0
    sent_by_15_declared: int = 0
    bookings: int = 0
    counts_expected: int = 0
    counts_given: int = 0

    @property
    def uncovered(self) -> int:
        return self.planned - self.held

    @property
    def coverage(self) -> float | None:
        """Gardes held ÷ planned, in %; None when nothing was planned."""
        return 100 * self.held / self.planned if self.planned else None

    @property
    def open_hours(self) -> float:
        return self.open_minutes / 60

    @property
    def gp_hours(self) -> float:
        return self.gp_minutes / 60

    @property
    def gps(self) -> int:
        return len(self.gp_ids)

    @property
    def counts_missing(self) -> int:
        return self.counts_expected - self.counts_given

    def add(self, other: Figures) -> None:
        for name in SUMMED:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.gp_ids |= other.gp_ids  # a GP working in two cabinets counts once in the total


SUMMED = (
    "planned", "held", "open_minutes", "gp_minutes", "consultations", "sent_by_15_declared", "bookings",
    "counts_expected", "counts_given",
)  # fmt: skip


@dataclass
class MonthReport:
    territory: Territory
    month: date  # its first day
    sites: list[Figures]
    total: Figures

    @property
    def empty(self) -> bool:
        return self.total.planned == 0

    @property
    def last_day(self) -> date:
        return next_month(self.month) - timedelta(days=1)


def parse_month(text: str) -> date:
    """« 2027-03 » → 1 March 2027; ReportError otherwise."""
    try:
        year, month = (int(part) for part in text.strip().split("-"))
        return date(year, month, 1)
    except (ValueError, TypeError):
        raise ReportError(f"mois invalide : « {text} » (attendu AAAA-MM, par exemple 2027-03)") from None


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def previous_month(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def last_months(month: date, count: int) -> list[date]:
    """The `count` months ending with `month`, oldest first."""
    months = [month]
    while len(months) < count:
        months.insert(0, previous_month(months[0]))
    return months


def planned_shifts(territory: Territory, first: date, end: date):
    """Query: the territory's gardes on local dates [first, end), not closed, in a period with a published planning."""
    periods = select(RosterVersion.period_id).where(RosterVersion.published_at.is_not(None))
    return (
        select(Shift.id, Shift.site_id, Shift.starts_at, Shift.ends_at)
        .join(Site, Site.id == Shift.site_id)
        .where(
            Site.territory_id == territory.id,
            Shift.date >= first,
            Shift.date < end,
            Shift.closed.is_(False),
            Shift.period_id.in_(periods),
        )
    )


def month_report(territory: Territory, month: date, now: datetime | None = None) -> MonthReport:
    """The month's figures per cabinet de garde and in total (five queries)."""
    now = now or utcnow()
    month = month.replace(day=1)
    shifts = db.session.execute(planned_shifts(territory, month, next_month(month))).all()
    shift_ids = [row[0] for row in shifts]
    on_duty: dict[int, set[int]] = defaultdict(set)
    counts: dict[tuple[int, int], tuple[int, int]] = {}
    bookings: dict[int, int] = {}
    if shift_ids:
        for shift_id, gp_id in db.session.execute(
            select(Assignment.shift_id, Assignment.gp_id).where(
                Assignment.version_id.in_(latest_published_ids()), Assignment.shift_id.in_(shift_ids)
            )
        ):
            on_duty[shift_id].add(gp_id)
        for shift_id, gp_id, seen, sent in db.session.execute(
            select(GardeCount.shift_id, GardeCount.gp_id, GardeCount.patients_seen, GardeCount.sent_by_15).where(
                GardeCount.shift_id.in_(shift_ids)
            )
        ):
            counts[(shift_id, gp_id)] = (seen, sent)
        bookings = dict(
            db.session.execute(
                select(ConsultationSlot.shift_id, func.count(SlotBooking.id))
                .join(SlotBooking, SlotBooking.slot_id == ConsultationSlot.id)
                .where(ConsultationSlot.shift_id.in_(shift_ids), SlotBooking.cancelled_at.is_(None))
                .group_by(ConsultationSlot.shift_id)
            ).all()
        )
    sites = {
        s.id: Figures(s.name)
        for s in db.session.scalars(select(Site).where(Site.territory_id == territory.id).order_by(Site.name))
        if s.active or any(row[1] == s.id for row in shifts)
    }
    for shift_id, site_id, starts_at, ends_at in shifts:
        row = sites[site_id]
        row.planned += 1
        row.bookings += bookings.get(shift_id, 0)
        gps = on_duty.get(shift_id, set())
        if not gps:
            continue
        minutes = int((ends_at - starts_at).total_seconds() // 60)
        row.held += 1
        row.open_minutes += minutes
        row.gp_minutes += minutes * len(gps)
        row.gp_ids |= gps
        for gp_id in gps:
            if ends_at <= now:
                row.counts_expected += 1
            if (shift_id, gp_id) in counts:
                seen, sent = counts[(shift_id, gp_id)]
                row.consultations += seen
                row.sent_by_15_declared += sent
                row.counts_given += ends_at <= now
    total = Figures("Total")
    for row in sites.values():
        total.add(row)
    return MonthReport(territory, month, list(sites.values()), total)


def months_reports(territory: Territory, month: date, count: int = 12, now: datetime | None = None):
    """The reports of the `count` months ending with `month`, oldest first (the dashboard's charts)."""
    return [month_report(territory, m, now) for m in last_months(month, count)]


@dataclass
class GPLoad:
    name: str
    gardes: int = 0
    minutes: int = 0

    @property
    def hours(self) -> float:
        return self.minutes / 60


@dataclass
class PeriodFairness:
    """Within one published period: the spread of the GPs' hours (those with at least one garde)."""

    name: str
    gps: int
    min_hours: float
    max_hours: float
    mean_hours: float
    variation: float  # coefficient of variation, %

    @property
    def gap_hours(self) -> float:
        return self.max_hours - self.min_hours


def gp_load(territory: Territory, first: date, end: date) -> tuple[list[GPLoad], list[PeriodFairness]]:
    """Per GP, the gardes held on local dates [first, end) (most loaded first); per period, the fairness."""
    rows = db.session.execute(
        select(Assignment.gp_id, User.full_name, Period.name, Period.start_date, Shift.starts_at, Shift.ends_at)
        .join(Shift, Shift.id == Assignment.shift_id)
        .join(Period, Period.id == Shift.period_id)
        .join(GP, GP.id == Assignment.gp_id)
        .join(User, User.id == GP.user_id)
        .where(
            Assignment.version_id.in_(latest_published_ids()),
            Period.territory_id == territory.id,
            Shift.date >= first,
            Shift.date < end,
            Shift.closed.is_(False),
        )
    ).all()
    loads: dict[int, GPLoad] = {}
    by_period: dict[tuple[date, str], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for gp_id, name, period_name, period_start, starts_at, ends_at in rows:
        minutes = int((ends_at - starts_at).total_seconds() // 60)
        load = loads.setdefault(gp_id, GPLoad(name))
        load.gardes += 1
        load.minutes += minutes
        by_period[(period_start, period_name)][gp_id] += minutes
    fairness = []
    for (_, period_name), minutes_by_gp in sorted(by_period.items()):
        hours = [m / 60 for m in minutes_by_gp.values()]
        average = mean(hours)
        spread = 100 * pstdev(hours) / average if average else 0.0
        fairness.append(PeriodFairness(period_name, len(hours), min(hours), max(hours), average, spread))
    return sorted(loads.values(), key=lambda r: (-r.minutes, r.name)), fairness


def twelve_months(month: date) -> tuple[date, date]:
    """[first, end) of the 12 months ending with `month`."""
    return last_months(month, 12)[0], next_month(month)


def local_today(territory: Territory, now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(ZoneInfo(territory.timezone)).date()


def last_month(territory: Territory, now: datetime | None = None) -> date:
    return previous_month(local_today(territory, now).replace(day=1))
