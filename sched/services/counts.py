"""End-of-garde counts: which gardes a GP still has to count, the prefill from the bookings, saving, the reminder."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from sched.extensions import db
from sched.models import GP, Assignment, ConsultationSlot, GardeCount, Shift, SlotBooking, Territory, User, utcnow
from sched.services import audit, sms
from sched.services.eligibility import published_in
from sched.services.mail import queue_template
from sched.services.notifications import absolute
from sched.services.wording import shift_label

RECENT = timedelta(days=45)  # how far back « Mes comptes de fin de garde » lists the gardes
MAX_PATIENTS = 500
COMMENT_LENGTH = 500


class CountError(ValueError):
    """A count refused, in French; `field` names the form field it belongs next to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass
class GardeToCount:
    shift: Shift
    count: GardeCount | None
    bookings: int  # live bookings of the GP's créneaux on that garde: the « dont adressés par le 15 » prefill


def bookings_of(shift_id: int, gp_id: int) -> int:
    """Live bookings on the GP's créneaux of the garde."""
    return db.session.scalar(
        select(func.count(SlotBooking.id))
        .join(ConsultationSlot, ConsultationSlot.id == SlotBooking.slot_id)
        .where(
            ConsultationSlot.shift_id == shift_id, ConsultationSlot.gp_id == gp_id, SlotBooking.cancelled_at.is_(None)
        )
    )


def on_duty(shift: Shift, gp: GP) -> bool:
    """`gp` is on `shift` in the published planning."""
    query = published_in(shift.period.territory_id, Assignment.shift_id == shift.id, Assignment.gp_id == gp.id)
    return db.session.scalar(query.with_only_columns(func.count(Assignment.id))) > 0


def gardes_to_count(gp: GP, now: datetime | None = None) -> list[GardeToCount]:
    """The GP's published gardes begun in the last 45 days, latest first, with their count if given."""
    now = now or utcnow()
    shifts = list(
        db.session.scalars(
            published_in(
                gp.user.territory_id, Assignment.gp_id == gp.id, Shift.starts_at <= now, Shift.starts_at > now - RECENT
            )
            .with_only_columns(Shift)
            .options(joinedload(Shift.site))
            .order_by(Shift.starts_at.desc())
        )
    )
    counts = {
        c.shift_id: c
        for c in db.session.scalars(
            select(GardeCount).where(GardeCount.gp_id == gp.id, GardeCount.shift_id.in_([s.id for s in shifts]))
        )
    }
    return [GardeToCount(s, counts.get(s.id), bookings_of(s.id, gp.id)) for s in shifts]


def find(shift: Shift, gp: GP) -> GardeCount | None:
    return db.session.scalar(select(GardeCount).where(GardeCount.shift_id == shift.id, GardeCount.gp_id == gp.id))


def save(
    shift: Shift, gp: GP, patients_seen: int | None, sent_by_15: int | None, comment: str | None, actor: User
) -> GardeCount:
    """Create or correct the GP's count of `shift` (no commit); audited with who entered it. CountError if invalid."""
    if shift.starts_at > utcnow():
        raise CountError("Cette garde n'a pas encore commencé : le compte se donne à la fin de la garde.")
    if not on_duty(shift, gp):
        raise CountError(f"{gp.name} n'est pas sur la {shift_label(shift)} du planning publié.")
    if patients_seen is None or not 0 <= patients_seen <= MAX_PATIENTS:
        raise CountError(f"Indiquez un nombre de patients entre 0 et {MAX_PATIENTS}.", "patients_seen")
    if sent_by_15 is None or sent_by_15 < 0:
        raise CountError("Indiquez un nombre positif ou nul (0 si aucun).", "sent_by_15")
    if sent_by_15 > patients_seen:
        raise CountError("Ne peut pas dépasser le nombre de patients vus.", "sent_by_15")
    text = (comment or "").strip() or None
    if text is not None and len(text) > COMMENT_LENGTH:
        raise CountError(f"Commentaire trop long : {COMMENT_LENGTH} caractères au plus.", "comment")
    count = find(shift, gp)
    before = None if count is None else [count.patients_seen, count.sent_by_15]
    if count is None:
        count = GardeCount(shift_id=shift.id, gp_id=gp.id)
        db.session.add(count)
    count.patients_seen, count.sent_by_15, count.comment = patients_seen, sent_by_15, text
    count.updated_at = utcnow()
    count.entered_by_id = None if actor.id == gp.user_id else actor.id
    db.session.flush()
    audit.record(
        "garde_count.save", "garde_count", count.id, actor=actor, shift=shift.id, gp=gp.id,
        patients_seen=patients_seen, sent_by_15=sent_by_15, before=before, by_coordination=actor.id != gp.user_id,
    )  # fmt: skip
    return count


def missing_on(territory: Territory, day: date) -> list[Assignment]:
    """Published assignments of the territory's gardes of local `day` whose GP has given no count."""
    counted = select(GardeCount.id).where(
        GardeCount.shift_id == Assignment.shift_id, GardeCount.gp_id == Assignment.gp_id
    )
    return list(
        db.session.scalars(
            published_in(territory.id, Shift.date == day, Shift.closed.is_(False), ~counted.exists())
            .options(joinedload(Assignment.shift).joinedload(Shift.site), joinedload(Assignment.gp).joinedload(GP.user))
            .order_by(Shift.starts_at)
        ).unique()
    )


def remind_missing(territory: Territory, today: date, now: datetime | None = None) -> int:
    """The morning after: remind each GP whose count of yesterday's garde is missing (e-mail, SMS if chosen)."""
    reminded = 0
    for assignment in missing_on(territory, today - timedelta(days=1)):
        gp, shift = assignment.gp, assignment.shift
        if not (gp.active and gp.user.active):
            continue
        link = absolute(f"/gp/comptes/{shift.id}")
        queue_template(
            gp.user.email, f"Compte de fin de garde : {shift_label(shift)}", "garde_count_reminder",
            "garde_count_reminder", gp=gp, shift=shift, site=shift.site, link=link,
        )  # fmt: skip
        sms.queue_sms_to_gp(gp, f"Planning SNP : combien de patients lors de votre {shift_label(shift)} ? {link}",
                            "garde_count_reminder")  # fmt: skip
        reminded += 1
    return reminded
