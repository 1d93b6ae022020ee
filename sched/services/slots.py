"""The regulators' daily list (sites → gardes → GPs → créneaux with their status) and bookings.

The page, the JSON API and FHIR all read `daily_list`: three queries whatever the size of the day.
A créneau is `booked` while a live booking holds it (even once its time has passed), else `past` as soon as
its start has passed (a consultation cannot be given in a créneau already begun), else `free`.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError

from sched.extensions import db
from sched.i18n import date_fr, time_fr
from sched.models import (
    AGE_BANDS,
    GP,
    ConsultationSlot,
    RosterVersion,
    Shift,
    Site,
    SlotBooking,
    Territory,
    User,
    utcnow,
)
from sched.models.roster import Assignment
from sched.services import audit
from sched.services.mail import queue_email
from sched.services.rosters import latest_published_ids

SLOT_TAKEN = "Ce créneau vient d'être réservé par un autre régulateur."
SLOT_PAST = "Ce créneau est déjà commencé ou passé : il ne peut plus être réservé."
REMOVED_GP = "Médecin retiré du planning — contacter la coordination"
REF_PATTERN = re.compile(r"^[A-Za-z0-9/-]{1,40}$")
INITIALS_PATTERN = re.compile(r"^[A-Z]{1,4}$")
T = TypeVar("T")


class BookingError(Exception):
    """A booking refused; `status` is the HTTP answer (404 unknown, 409 taken or past, 422 invalid)."""

    def __init__(self, message: str, status: int = 422, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.field = field


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
class DailyList:
    day: date
    now: datetime
    sites: list[SiteView]
    next_open_day: date | None = None

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
        return DailyList(day, now, [], next_open_day(territory_id, day))
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


def fingerprint() -> tuple:
    """Changes whenever a booking is made or cancelled or a planning is published: one small query."""
    return db.session.execute(
        select(
            select(func.max(SlotBooking.id)).scalar_subquery(),
            select(func.count(SlotBooking.cancelled_at)).scalar_subquery(),
            select(func.max(RosterVersion.published_at)).scalar_subquery(),
        )
    ).one()


_rendered: OrderedDict[tuple, Any] = OrderedDict()


def cached_render(kind: str, territory_id: int, day: date, render: Callable[[DailyList], T]) -> T:
    """render(daily_list(...)), reused by this process while nothing was booked, cancelled or published.

    Every regulator of a territory sees the same list, so the rendering (not the page around it, which holds
    the user's name and CSRF token) is shared. The key holds the current minute: « past » créneaux and
    « Mis à jour à » stay right, and other edits (a site's phone…) show within a minute.
    """
    now = utcnow()
    key = (kind, current_app.name, str(db.engine.url), territory_id, day, now.replace(second=0, microsecond=0))
    key += tuple(fingerprint())
    if key in _rendered:
        _rendered.move_to_end(key)
        return _rendered[key]
    value = render(daily_list(territory_id, day, now))
    _rendered[key] = value
    while len(_rendered) > 64:
        _rendered.popitem(last=False)
    return value


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


# --- bookings ---------------------------------------------------------------------------------------------


def clean_booking_fields(
    regulation_ref: object, initials: object = None, age_band: object = None
) -> tuple[str, str | None, str | None]:
    """Normalise and check what a regulator typed; BookingError(field=…) with a French message otherwise."""
    ref = str(regulation_ref or "").strip() if isinstance(regulation_ref, (str, type(None))) else None
    if not ref:
        raise BookingError("Le numéro de dossier de régulation est obligatoire.", field="regulation_ref")
    if not REF_PATTERN.match(ref):
        raise BookingError(
            "Numéro de dossier invalide : 40 caractères au plus, lettres, chiffres, « - » et « / » seulement.",
            field="regulation_ref",
        )
    if initials is not None and not isinstance(initials, str):
        raise BookingError("Initiales invalides.", field="initials")
    letters = (initials or "").replace(".", "").replace(" ", "").upper() or None
    if letters is not None and not INITIALS_PATTERN.match(letters):
        raise BookingError("Initiales : 1 à 4 lettres, sans accent (par exemple « JD »).", field="initials")
    band = age_band or None
    if band is not None and band not in AGE_BANDS:
        raise BookingError("Tranche d'âge inconnue.", field="age_band")
    return ref, letters, band


def territory_slot(slot_id: int, territory_id: int) -> ConsultationSlot | None:
    """The slot if it belongs to a published garde of the territory (None otherwise: answer 404)."""
    return db.session.scalar(
        select(ConsultationSlot)
        .join(Shift, Shift.id == ConsultationSlot.shift_id)
        .where(ConsultationSlot.id == slot_id, Shift.id.in_(published_shifts(territory_id).with_only_columns(Shift.id)))
    )


def live_booking(slot_id: int) -> SlotBooking | None:
    return db.session.scalar(
        select(SlotBooking).where(SlotBooking.slot_id == slot_id, SlotBooking.cancelled_at.is_(None))
    )


def refusal(slot: ConsultationSlot) -> str | None:
    """Why this créneau cannot be booked now (French), or None."""
    if slot.gp_id is None:
        return REMOVED_GP + "."
    if live_booking(slot.id) is not None:
        return SLOT_TAKEN
    if slot.starts_at <= utcnow():
        return SLOT_PAST
    return None


def book(
    slot_id: int, user: User, regulation_ref: object, initials: object = None, age_band: object = None
) -> SlotBooking:
    """Book a free créneau for `user`'s territory and commit; the database decides between two regulators."""
    ref, letters, band = clean_booking_fields(regulation_ref, initials, age_band)
    slot = territory_slot(slot_id, user.territory_id)
    if slot is None:
        raise BookingError("Ce créneau n'existe pas.", status=404)
    refused = refusal(slot)
    if refused:
        raise BookingError(refused, status=409)
    booking = SlotBooking(slot_id=slot.id, regulation_ref=ref, initials=letters, age_band=band, booked_by_id=user.id)
    db.session.add(booking)
    try:
        db.session.flush()
        audit.record("booking.create", "slot_booking", booking.id, actor=user, slot=slot.id, ref=ref)
        db.session.commit()
    except IntegrityError:
        # The partial unique index: another regulator booked this créneau between our check and our insert.
        db.session.rollback()
        raise BookingError(SLOT_TAKEN, status=409) from None
    return booking


def territory_booking(booking_id: int, territory_id: int) -> SlotBooking | None:
    return db.session.scalar(
        select(SlotBooking)
        .join(ConsultationSlot, ConsultationSlot.id == SlotBooking.slot_id)
        .join(Shift, Shift.id == ConsultationSlot.shift_id)
        .join(Site, Site.id == Shift.site_id)
        .where(SlotBooking.id == booking_id, Site.territory_id == territory_id)
    )


def cancel(booking: SlotBooking, user: User, reason: object) -> SlotBooking:
    """Cancel a live booking with a reason and commit: the créneau becomes free again."""
    text = str(reason).strip() if isinstance(reason, str) else ""
    if not text:
        raise BookingError("Indiquez le motif de l'annulation.", field="reason")
    if len(text) > 500:
        raise BookingError("Motif trop long : 500 caractères au plus.", field="reason")
    if booking.cancelled_at is not None:
        raise BookingError("Cette réservation est déjà annulée.", status=409)
    booking.cancelled_at = utcnow()
    booking.cancelled_by_id = user.id
    booking.cancel_reason = text
    audit.record("booking.cancel", "slot_booking", booking.id, actor=user, reason=text)
    db.session.commit()
    return booking


# --- amendments -------------------------------------------------------------------------------------------


def alert_orphaned_bookings(version: RosterVersion) -> list[SlotBooking]:
    """After publication: tell the coordination about live bookings whose GP left the planning.

    The bookings stay (their créneau keeps no GP); the regulation page flags them. Called in publish()'s
    transaction, so the e-mail exists only if the publication does.
    """
    shift_ids = select(Shift.id).where(Shift.period_id == version.period_id)
    orphans = db.session.execute(
        select(SlotBooking, ConsultationSlot, Site.name)
        .join(ConsultationSlot, ConsultationSlot.id == SlotBooking.slot_id)
        .join(Shift, Shift.id == ConsultationSlot.shift_id)
        .join(Site, Site.id == Shift.site_id)
        .where(
            ConsultationSlot.shift_id.in_(shift_ids),
            ConsultationSlot.gp_id.is_(None),
            SlotBooking.cancelled_at.is_(None),
            ConsultationSlot.ends_at > utcnow(),
        )
        .order_by(ConsultationSlot.starts_at)
    ).all()
    if not orphans:
        return []
    territory = db.session.get(Territory, version.period.territory_id)
    lines = [
        f"- {date_fr(slot.starts_at)} à {time_fr(slot.starts_at)}, {site_name} : dossier n° {booking.regulation_ref}"
        for booking, slot, site_name in orphans
    ]
    text = (
        f"Bonjour,\n\nLe planning « {version.period.name} » (version {version.number}) vient d'être publié. "
        f"Le médecin de {len(orphans)} créneau(x) réservé(s) par la régulation n'est plus de garde :\n\n"
        + "\n".join(lines)
        + "\n\nLes réservations sont conservées. Trouvez un médecin pour ces patients et prévenez la "
        "régulation (centre 15).\n"
    )
    if territory.coordination_email:
        queue_email(
            territory.coordination_email,
            f"Réservations sans médecin après la publication du planning {version.period.name}",
            text,
            kind="orphaned_bookings",
        )
    audit.record(
        "booking.orphaned",
        "roster_version",
        version.id,
        bookings=[booking.id for booking, _, _ in orphans],
        emailed=bool(territory.coordination_email),
    )
    return [booking for booking, _, _ in orphans]
