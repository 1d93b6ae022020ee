"""The regulators' daily list (sites → gardes → GPs → créneaux with their status); bookings are in bookings.py.

The page, the JSON API and FHIR all read `daily_list`: three queries whatever the size of the day.
A créneau is `booked` while a live booking holds it (even once its time has passed), else `past` as soon as
its start has passed (a consultation cannot be given in a créneau already begun), else `free`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy import and_, func, select

from sched.extensions import db
from sched.models import (
    GP,
    ConsultationSlot,
    Period,
    RosterVersion,
    Shift,
    Site,
    SlotBooking,
    Territory,
    User,
    utcnow,
)
from sched.models.roster import Assignment
from sched.services import listcache
from sched.services.periods import public_holidays
from sched.services.rosters import latest_published_ids

REMOVED_GP = "Médecin retiré du planning — contacter la coordination"
T = TypeVar("T")


@dataclass
class SlotView:
    id: int
    starts_at: datetime
    ends_at: datetime
    status: str  # free | booked | past
    booking_id: int | None = None
    regulation_ref: str | None = None
    initials: str | None = None
    age_band: str | None = None


@dataclass
class GPColumn:
    gp_id: int | None  # None: the créneaux kept for bookings after the GP left the planning
    name: str | None
    slots: list[SlotView] = field(default_factory=list)

    @property
    def free_count(self) -> int:
        return sum(s.status == "free" for s in self.slots)


@dataclass
class ShiftView:
    id: int
    starts_at: datetime
    ends_at: datetime
    gps: list[GPColumn] = field(default_factory=list)


@dataclass
class SiteView:
    id: int
    name: str
    address: str
    phone: str
    shifts: list[ShiftView] = field(default_factory=list)

    @property
    def free_count(self) -> int:
        return sum(c.free_count for s in self.shifts for c in s.gps)


@dataclass
class ClosedDay:
    """Why a day has no open cabinet de garde (the page words it): `holiday` (named), `unpublished` (the period
    covering it has no published planning yet), `no_period` (no period covers it yet) or `no_garde` (a published
    planning without a garde that day: a Sunday, closures)."""

    reason: str
    holiday: str | None = None
    period_name: str | None = None


@dataclass
class DailyList:
    day: date
    now: datetime
    sites: list[SiteView]
    next_open_day: date | None = None
    closed: ClosedDay | None = None  # set when `sites` is empty

    @property
    def free_count(self) -> int:
        return sum(s.free_count for s in self.sites)


def slot_status(starts_at: datetime, booked: bool, now: datetime) -> str:
    if booked:
        return "booked"
    return "past" if starts_at <= now else "free"


def published_shifts(territory_id: int):
    """Shifts of the territory whose period has a published planning (closed ones excluded)."""
    published_periods = select(RosterVersion.period_id).where(RosterVersion.published_at.is_not(None))
    return (
        select(Shift)
        .join(Site, Site.id == Shift.site_id)
        .where(Site.territory_id == territory_id, Shift.closed.is_(False), Shift.period_id.in_(published_periods))
    )


def daily_list(territory_id: int, day: date, now: datetime | None = None) -> DailyList:
    """Every open cabinet de garde of `day`, its GPs and their créneaux: three queries."""
    now = now or utcnow()
    shift_rows = db.session.execute(
        published_shifts(territory_id)
        .where(Shift.date == day)
        .with_only_columns(
            Shift.id,
            Shift.starts_at,
            Shift.ends_at,
            Site.id,
            Site.name,
            Site.address,
            Site.postal_code,
            Site.city,
            Site.phone,
        )  # fmt: skip
        .order_by(Site.name, Shift.starts_at)
    ).all()
    if not shift_rows:
        return DailyList(day, now, [], next_open_day(territory_id, day), closed_day(territory_id, day))
    shift_ids = [r[0] for r in shift_rows]
    gp_rows = db.session.execute(
        select(Assignment.shift_id, GP.id, User.full_name)
        .join(GP, GP.id == Assignment.gp_id)
        .join(User, User.id == GP.user_id)
        .where(Assignment.version_id.in_(latest_published_ids()), Assignment.shift_id.in_(shift_ids))
        .order_by(User.full_name)
    ).all()
    slot_rows = db.session.execute(
        select(
            ConsultationSlot.id,
            ConsultationSlot.shift_id,
            ConsultationSlot.gp_id,
            ConsultationSlot.starts_at,
            ConsultationSlot.ends_at,
            SlotBooking.id,
            SlotBooking.regulation_ref,
            SlotBooking.initials,
            SlotBooking.age_band,
        )  # fmt: skip
        .outerjoin(SlotBooking, and_(SlotBooking.slot_id == ConsultationSlot.id, SlotBooking.cancelled_at.is_(None)))
        .where(ConsultationSlot.shift_id.in_(shift_ids))
        .order_by(ConsultationSlot.starts_at, ConsultationSlot.position)
    ).all()

    columns: dict[tuple[int, int | None], GPColumn] = {}
    shifts: dict[int, ShiftView] = {}
    sites: dict[int, SiteView] = {}
    for shift_id, starts_at, ends_at, site_id, name, address, postal_code, city, phone in shift_rows:
        site = sites.get(site_id)
        if site is None:
            site = sites[site_id] = SiteView(site_id, name, f"{address}, {postal_code} {city}", phone)
        shifts[shift_id] = ShiftView(shift_id, starts_at, ends_at)
        site.shifts.append(shifts[shift_id])
    for shift_id, gp_id, full_name in gp_rows:
        columns[(shift_id, gp_id)] = GPColumn(gp_id, full_name)
        shifts[shift_id].gps.append(columns[(shift_id, gp_id)])
    for slot_id, shift_id, gp_id, starts_at, ends_at, booking_id, ref, initials, age_band in slot_rows:
        column = columns.get((shift_id, gp_id))
        if column is None:
            if booking_id is None:
                continue  # a slot of a GP no longer on duty and never booked: nothing to show
            column = columns[(shift_id, None)] = GPColumn(None, None)
            shifts[shift_id].gps.append(column)
        status = slot_status(starts_at, booking_id is not None, now)
        column.slots.append(SlotView(slot_id, starts_at, ends_at, status, booking_id, ref, initials, age_band))
    for shift in shifts.values():
        shift.gps = [c for c in shift.gps if c.slots or c.gp_id is not None]
    return DailyList(day, now, [s for s in sites.values() if any(sh.gps for sh in s.shifts)])


def cached_render(kind: str, territory_id: int, day: date, render: Callable[[DailyList], T]) -> T:
    """render(daily_list(...)), shared by the territory's regulators while nothing was booked or published.

    The key holds the current minute: « past » créneaux and « Mis à jour à » stay right, and other edits (a
    site's phone, the territory's name…) show within a minute (see services/listcache.py).
    """
    now = utcnow()
    return listcache.lists.get_or_render(
        kind, territory_id, day, now, lambda: render(daily_list(territory_id, day, now))
    )


def closed_day(territory_id: int, day: date) -> ClosedDay:
    """Why `day` has no published garde: a public holiday, a planning not yet published, or none planned."""
    territory = db.session.get(Territory, territory_id)
    holiday = public_holidays(territory, day, day).get(day)
    if holiday:
        return ClosedDay("holiday", holiday=holiday)
    covering = db.session.scalars(
        select(Period)
        .where(Period.territory_id == territory_id, Period.start_date <= day, Period.end_date >= day)
        .order_by(Period.start_date)
    ).all()
    if not covering:
        return ClosedDay("no_period")
    published = set(
        db.session.scalars(
            select(RosterVersion.period_id).where(
                RosterVersion.period_id.in_([p.id for p in covering]), RosterVersion.published_at.is_not(None)
            )
        )
    )
    waiting = [p for p in covering if p.id not in published]
    if waiting:
        return ClosedDay("unpublished", period_name=waiting[0].name)
    return ClosedDay("no_garde")


def last_end_of_day(territory_id: int, day: date) -> datetime | None:
    """When the last published garde of `day` ends (None without one)."""
    query = published_shifts(territory_id).where(Shift.date == day).with_only_columns(func.max(Shift.ends_at))
    return db.session.scalar(query)


def opening_day(territory_id: int, today: date, now: datetime) -> tuple[date, datetime | None]:
    """The day the regulators' page opens on: today, or once today's last garde has ended the next open day.

    Returns (that day, the end of today's last garde when the page moved on, else None).
    """
    last_end = last_end_of_day(territory_id, today)
    if last_end is None or last_end > now:
        return today, None
    following = next_open_day(territory_id, today)
    return (following, last_end) if following is not None else (today, None)


def next_open_day(territory_id: int, after: date) -> date | None:
    """The first day after `after` with a published garde at one of the territory's sites."""
    query = published_shifts(territory_id).where(Shift.date > after).with_only_columns(func.min(Shift.date))
    return db.session.scalar(query)


def slot_rows_between(territory_id: int, start: datetime, end: datetime, now: datetime | None = None):
    """(slot id, site id, site name, GP name, starts_at, ends_at, status) of créneaux starting in [start, end)."""
    now = now or utcnow()
    published = published_shifts(territory_id).with_only_columns(Shift.id)
    rows = db.session.execute(
        select(
            ConsultationSlot.id,
            Site.id,
            Site.name,
            User.full_name,
            ConsultationSlot.starts_at,
            ConsultationSlot.ends_at,
            SlotBooking.id,
        )  # fmt: skip
        .join(Shift, Shift.id == ConsultationSlot.shift_id)
        .join(Site, Site.id == Shift.site_id)
        .outerjoin(GP, GP.id == ConsultationSlot.gp_id)
        .outerjoin(User, User.id == GP.user_id)
        .outerjoin(SlotBooking, and_(SlotBooking.slot_id == ConsultationSlot.id, SlotBooking.cancelled_at.is_(None)))
        .where(
            ConsultationSlot.shift_id.in_(published),
            ConsultationSlot.starts_at >= start,
            ConsultationSlot.starts_at < end,
        )
        .order_by(ConsultationSlot.starts_at, Site.name, ConsultationSlot.position)
    ).all()
    return [
        (slot_id, site_id, site_name, gp_name, s, e, slot_status(s, booking_id is not None, now))
        for slot_id, site_id, site_name, gp_name, s, e, booking_id in rows
        if gp_name is not None or booking_id is not None
    ]
