"""Booking and cancelling créneaux: one validation for the page and the API; the database decides races."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from sched.extensions import db
from sched.i18n import date_fr, time_fr
from sched.models import AGE_BANDS, ConsultationSlot, RosterVersion, Shift, Site, SlotBooking, Territory, User, utcnow
from sched.services import audit
from sched.services.mail import queue_email
from sched.services.slots import REMOVED_GP, published_shifts

SLOT_TAKEN = "Ce créneau vient d'être réservé par un autre régulateur."
SLOT_PAST = "Ce créneau est déjà commencé ou passé : il ne peut plus être réservé."
REF_PATTERN = re.compile(r"^[A-Za-z0-9/-]{1,40}$")
INITIALS_PATTERN = re.compile(r"^[A-Z]{1,4}$")


class BookingError(Exception):
    """A booking refused; `status` is the HTTP answer (404 unknown, 409 taken or past, 422 invalid)."""

    def __init__(self, message: str, status: int = 422, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.field = field


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
