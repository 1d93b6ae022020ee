"""The territory's data the FHIR endpoints read, as plain values (sched/fhir/profiles.py turns them into resources).

A créneau is served while its GP is on the latest published version of its garde; it is `free` when no live
booking holds it and it has not begun (the same rule as the regulators' list, services/slots.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import and_, select

from sched.extensions import db
from sched.fhir.profiles import GPData, SiteData, SlotData, TerritoryData
from sched.i18n import local
from sched.models import GP, ConsultationSlot, Shift, Site, SlotBooking, Territory, User, utcnow
from sched.models.roster import Assignment
from sched.services.rosters import latest_published_ids
from sched.services.slots import published_shifts, slot_status

MAX_ID = 2**31 - 1  # beyond, the database cannot hold it: unknown


def slot_query(territory_id: int):
    on_duty = select(Assignment.id).where(
        Assignment.version_id.in_(latest_published_ids()),
        Assignment.shift_id == ConsultationSlot.shift_id,
        Assignment.gp_id == ConsultationSlot.gp_id,
    )
    return (
        select(
            ConsultationSlot.id,
            Site.id,
            ConsultationSlot.gp_id,
            ConsultationSlot.starts_at,
            ConsultationSlot.ends_at,
            SlotBooking.id,
            Site.sas_public,
            Site.sas_pro,
        )  # fmt: skip
        .join(Shift, Shift.id == ConsultationSlot.shift_id)
        .join(Site, Site.id == Shift.site_id)
        .outerjoin(SlotBooking, and_(SlotBooking.slot_id == ConsultationSlot.id, SlotBooking.cancelled_at.is_(None)))
        .where(
            ConsultationSlot.shift_id.in_(published_shifts(territory_id).with_only_columns(Shift.id)),
            ConsultationSlot.gp_id.is_not(None),
            on_duty.exists(),
        )
    )


def to_slots(rows, booking_url: Callable[[int], str]) -> list[SlotData]:
    now = utcnow()
    return [
        SlotData(
            slot_id,
            site_id,
            gp_id,
            local(starts),
            local(ends),
            slot_status(starts, booking_id is not None, now) == "free",
            public,
            pro,
            booking_url(slot_id),
        )  # fmt: skip
        for slot_id, site_id, gp_id, starts, ends, booking_id, public, pro in rows
    ]


def slots_between(
    territory_id: int,
    start: datetime,
    end: datetime,
    booking_url: Callable[[int], str],
    status: set[str] | None = None,
    gp_ids: list[int] | None = None,
) -> list[SlotData]:
    """Créneaux starting in [start, end), in time order; `status` ⊆ {free, busy}; only these GPs' if given."""
    query = slot_query(territory_id).where(ConsultationSlot.starts_at >= start, ConsultationSlot.starts_at < end)
    if gp_ids is not None:
        query = query.where(ConsultationSlot.gp_id.in_(gp_ids))
    rows = db.session.execute(query.order_by(ConsultationSlot.starts_at, Site.name, ConsultationSlot.position)).all()
    slots = to_slots(rows, booking_url)
    if status is not None:
        slots = [s for s in slots if ("free" if s.free else "busy") in status]
    return slots


def slot(territory_id: int, slot_id: int, booking_url: Callable[[int], str]) -> SlotData | None:
    if not 0 < slot_id <= MAX_ID:
        return None
    rows = db.session.execute(slot_query(territory_id).where(ConsultationSlot.id == slot_id)).all()
    return next(iter(to_slots(rows, booking_url)), None)


def gps(territory_id: int, ids: list[int] | None = None, rpps: str | None = None) -> list[GPData]:
    """The territory's GPs with these ids, or the one with this RPPS, or else every active one; by id."""
    query = select(GP.id, User.full_name, GP.rpps).join(User, User.id == GP.user_id)
    query = query.where(User.territory_id == territory_id)
    if ids is None and rpps is None:
        query = query.where(GP.active.is_(True), User.active.is_(True))
    if ids is not None:
        query = query.where(GP.id.in_([i for i in ids if 0 < i <= MAX_ID]))
    if rpps is not None:
        query = query.where(GP.rpps == rpps)
    return [GPData(*row) for row in db.session.execute(query.order_by(GP.id)).all()]


def sites(territory_id: int, ids: list[int]) -> list[SiteData]:
    query = select(Site.id, Site.name, Site.address, Site.postal_code, Site.city, Site.phone, Site.active).where(
        Site.territory_id == territory_id, Site.id.in_([i for i in ids if 0 < i <= MAX_ID])
    )
    return [SiteData(*row) for row in db.session.execute(query.order_by(Site.id)).all()]


def territory(territory_id: int) -> TerritoryData:
    row = db.session.execute(
        select(Territory.id, Territory.name, Territory.finess, Territory.coordination_email).where(
            Territory.id == territory_id
        )
    ).one()
    return TerritoryData(*row)
