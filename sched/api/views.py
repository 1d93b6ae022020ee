"""GET /api/v1/daily, POST /api/v1/bookings, DELETE /api/v1/bookings/<id>."""

from __future__ import annotations

import json
from datetime import date, datetime

from flask import current_app, g, jsonify, request

from sched.api import bp
from sched.api.auth import json_error, owner
from sched.extensions import db
from sched.i18n import local, zone
from sched.inputs import json_id
from sched.models import utcnow
from sched.services import bookings, slots


def iso(instant: datetime) -> str:
    """Local time with its UTC offset: « 2027-01-04T18:00:00+01:00 »."""
    return local(instant).isoformat()


class LocalISO(dict):
    """iso() memoised for one rendering: a day's 400 créneaux share a few dozen instants."""

    def __missing__(self, instant: datetime) -> str:
        self[instant] = value = instant.astimezone(self.tz).isoformat()
        return value

    def __init__(self) -> None:
        super().__init__()
        self.tz = zone()


def slot_json(slot: slots.SlotView, iso: LocalISO) -> dict:
    data = {"id": slot.id, "start": iso[slot.starts_at], "end": iso[slot.ends_at], "status": slot.status}
    if slot.status == "booked":
        data["booking"] = {
            "id": slot.booking_id,
            "regulation_ref": slot.regulation_ref,
            "initials": slot.initials,
            "age_band": slot.age_band,
        }
    return data


def daily_json(daily: slots.DailyList) -> dict:
    iso = LocalISO()
    return {
        "date": daily.day.isoformat(),
        "generated_at": iso[daily.now],
        "free_slots": daily.free_count,
        "next_open_day": daily.next_open_day.isoformat() if daily.next_open_day else None,
        "sites": [
            {
                "id": site.id,
                "name": site.name,
                "address": site.address,
                "phone": site.phone,
                "shifts": [
                    {
                        "id": shift.id,
                        "start": iso[shift.starts_at],
                        "end": iso[shift.ends_at],
                        "gps": [
                            {
                                "id": column.gp_id,
                                "name": column.name,
                                "removed": column.gp_id is None,
                                "slots": [slot_json(slot, iso) for slot in column.slots],
                            }
                            for column in shift.gps
                        ],
                    }
                    for shift in site.shifts
                ],
            }
            for site in daily.sites
        ],
    }


@bp.get("/daily")
def daily():
    """The daily list of ?date=YYYY-MM-DD (today by default), as on the regulation page."""
    raw = request.args.get("date", "").strip()
    try:
        day = date.fromisoformat(raw) if raw else utcnow().astimezone(zone()).date()
    except ValueError:
        return json_error("Paramètre date invalide : attendu AAAA-MM-JJ.", 400)
    body = slots.cached_render(
        "json", g.api_user.territory_id, day, lambda daily: json.dumps(daily_json(daily), ensure_ascii=False).encode()
    )
    return current_app.response_class(body, mimetype="application/json")


@bp.post("/bookings")
def create_booking():
    """Book a free créneau: 201, 409 when taken or past, 400/422 when the request is invalid."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return json_error("Corps JSON attendu : slot_id, regulation_ref, initials, age_band.", 400)
    slot_id = json_id(body.get("slot_id"))
    if slot_id is None:
        return json_error("slot_id doit être un identifiant entier positif.", 422, field="slot_id")
    try:
        booking = bookings.book(
            slot_id, owner(), body.get("regulation_ref"), body.get("initials"), body.get("age_band")
        )
    except bookings.BookingError as error:
        db.session.rollback()
        extra = {"field": error.field} if error.field else {}
        return json_error(error.message, error.status, **extra)
    slot = booking.slot
    return jsonify(
        id=booking.id,
        slot_id=slot.id,
        start=iso(slot.starts_at),
        end=iso(slot.ends_at),
        site=slot.shift.site.name,
        gp=slot.gp.name if slot.gp else None,
        regulation_ref=booking.regulation_ref,
        initials=booking.initials,
        age_band=booking.age_band,
    ), 201


@bp.delete("/bookings/<int:booking_id>")
def delete_booking(booking_id: int):
    """Cancel a booking (optional JSON body {"reason": …}); the créneau is free again."""
    booking = bookings.territory_booking(booking_id, g.api_user.territory_id)
    if booking is None:
        return json_error("Cette réservation n'existe pas.", 404)
    body = request.get_json(silent=True) or {}
    reason = body.get("reason") if isinstance(body, dict) else None
    try:
        bookings.cancel(booking, owner(), reason or "Annulée par le logiciel de régulation")
    except bookings.BookingError as error:
        db.session.rollback()
        return json_error(error.message, error.status)
    return jsonify(id=booking.id, status="cancelled", slot_id=booking.slot_id)
