"""The regulators' daily list, its self-refreshing fragment, booking and cancelling a créneau."""

from __future__ import annotations

import re
from datetime import date, timedelta

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from sched.extensions import db
from sched.i18n import time_fr, zone
from sched.models import AGE_BAND_LABELS, utcnow
from sched.regulation import bp
from sched.regulation.forms import BookingForm, CancelForm
from sched.services import bookings, slots

INDENTATION = re.compile(r"\n\s+")
LIST_PLACE = Markup("<!-- liste du jour -->")  # where the page's frame takes the shared list


def today() -> date:
    return utcnow().astimezone(zone()).date()


def requested_day() -> tuple[date, bool]:
    """The day asked for in ?date=YYYY-MM-DD (today by default) and whether the value was valid."""
    raw = request.args.get("date", "").strip()
    if not raw:
        return today(), True
    try:
        return date.fromisoformat(raw), True
    except ValueError:
        return today(), False


def render_list(daily: slots.DailyList) -> bytes:
    """The list fragment, encoded once: UTF-8 encoding a department day costs as much as rendering the frame."""
    html = render_template(
        "regulation/_list.html", daily=daily, age_labels=AGE_BAND_LABELS, removed_gp=slots.REMOVED_GP
    )
    # The template's indentation is a third of a department day's bytes; a newline renders the same.
    return INDENTATION.sub("\n", html).encode()


def html_response(body: bytes) -> Response:
    return current_app.response_class(body, mimetype="text/html")


@bp.route("/")
def home():
    """The daily list of cabinets de garde, their GPs and créneaux (today by default, or the next open day)."""
    day, valid = requested_day()
    if not valid:
        flash("Date invalide : voici la liste d'aujourd'hui.", "error")
    now = utcnow()
    this_day = now.astimezone(zone()).date()
    ended_at = None
    if "date" not in request.args:
        # At 19:51 today's créneaux are all past: the regulator is looking for the next ones.
        day, ended_at = slots.opening_day(current_user.territory_id, this_day, now)
    # The list is shared by the territory's regulators; the frame around it (name, menu, CSRF token) is theirs.
    list_bytes = slots.cached_render("html", current_user.territory_id, day, render_list)
    frame = render_template(
        "regulation/home.html",
        day=day,
        today=this_day,
        tomorrow=this_day + timedelta(days=1),
        ended_at=ended_at,
        list_html=LIST_PLACE,
        now=now,
        zone_name=zone().key,
    )
    return framed(frame, list_bytes)


def framed(frame: str, list_bytes: bytes) -> Response:
    # Text from users is escaped (« < » becomes « &lt; »): the only marker is the one the template placed.
    head, tail = frame.split(LIST_PLACE, 1)
    return html_response(b"".join((head.encode(), list_bytes, tail.encode())))


@bp.route("/liste")
def fragment():
    """The list in a bare page of its own (no menu, no form), fetched every minute by the page to refresh itself."""
    day, valid = requested_day()
    if not valid:
        abort(400)
    list_bytes = slots.cached_render("html", current_user.territory_id, day, render_list)
    return framed(render_template("regulation/fragment.html", day=day, list_html=LIST_PLACE), list_bytes)


def slot_or_404(slot_id: int):
    slot = bookings.territory_slot(slot_id, current_user.territory_id)
    if slot is None:
        abort(404)
    return slot


def back_to_list(day: date):
    """The day's list, scrolled to the message just flashed (regulation.js moves the focus there too)."""
    return redirect(url_for("regulation.home", date=day.isoformat(), _anchor="messages"))


@bp.route("/creneaux/<int:slot_id>/reserver", methods=["GET", "POST"])
def book(slot_id: int):
    """Book a free créneau for a patient: regulation file number, initials and age band only."""
    slot = slot_or_404(slot_id)
    day = slot.shift.date
    form = BookingForm()
    status = 200
    if form.validate_on_submit():
        try:
            booking = bookings.book(
                slot.id, current_user, form.regulation_ref.data, form.initials.data, form.age_band.data
            )
        except bookings.BookingError as error:
            if error.field is None:
                flash(error.message, "error")
                return back_to_list(day)
            getattr(form, error.field).errors.append(error.message)
            status = 422
        else:
            flash(
                f"Créneau de {time_fr(slot.starts_at)} réservé au {slot.shift.site.name} "
                f"(Dr {slot.gp.name}), dossier n° {booking.regulation_ref}.",
                "success",
            )
            return back_to_list(day)
    elif request.method == "GET":
        refused = bookings.refusal(slot)
        if refused:
            flash(refused, "error")
            return back_to_list(day)
    focus_first_field(form, ("regulation_ref", "initials", "age_band"))
    return render_template("regulation/book.html", slot=slot, form=form), status


def focus_first_field(form, names: tuple[str, ...]) -> None:
    """The cursor in the first field in error, else in the first field: the regulator types at once."""
    target = next((name for name in names if getattr(form, name).errors), names[0])
    field = getattr(form, target)
    field.render_kw = {**(field.render_kw or {}), "autofocus": True}


@bp.route("/reservations/<int:booking_id>/annuler", methods=["GET", "POST"])
def cancel(booking_id: int):
    """Cancel a booking, with a reason: the créneau is free again."""
    booking = bookings.territory_booking(booking_id, current_user.territory_id)
    if booking is None:
        abort(404)
    day = booking.slot.shift.date
    if booking.cancelled_at is not None:
        flash("Cette réservation est déjà annulée.", "info")
        return back_to_list(day)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            bookings.cancel(booking, current_user, form.reason.data)
        except bookings.BookingError as error:
            db.session.rollback()
            form.reason.errors.append(error.message)
        else:
            flash(
                f"Réservation du dossier n° {booking.regulation_ref} annulée : "
                f"le créneau de {time_fr(booking.slot.starts_at)} est de nouveau libre.",
                "success",
            )
            return back_to_list(day)
    focus_first_field(form, ("reason",))
    return render_template("regulation/cancel.html", booking=booking, form=form, age_labels=AGE_BAND_LABELS)
