"""The regulators' daily list, its self-refreshing fragment, booking and cancelling a créneau."""

from __future__ import annotations

import re
from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import text

from sched.auth import sessions
from sched.extensions import db, login_manager
from sched.i18n import time_fr, zone
from sched.models import AGE_BAND_LABELS, ROLES, utcnow
from sched.models.people import has_role_sql
from sched.regulation import bp
from sched.regulation.forms import BookingForm, CancelForm
from sched.services import bookings, slots

INDENTATION = re.compile(r"\n\s+")


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


def render_list(daily: slots.DailyList) -> Markup:
    html = render_template(
        "regulation/_list.html", daily=daily, age_labels=AGE_BAND_LABELS, removed_gp=slots.REMOVED_GP
    )
    # The template's indentation is a third of a department day's bytes; a newline renders the same.
    return Markup(INDENTATION.sub("\n", html))


def render_page(daily: slots.DailyList) -> str:
    today = daily.now.astimezone(zone()).date()
    return render_template(
        "regulation/home.html",
        day=daily.day,
        today=today,
        tomorrow=today + timedelta(days=1),
        daily=daily,
        list_html=render_list(daily),
        now=daily.now,
    )


@bp.route("/")
def home():
    """The daily list of cabinets de garde, their GPs and créneaux (today by default)."""
    day, valid = requested_day()
    if not valid:
        flash("Date invalide : voici la liste d'aujourd'hui.", "error")
    territory_id = current_user.territory_id
    if session.get("_flashes"):  # a page showing a message is not worth keeping
        return render_page(slots.daily_list(territory_id, day))
    mine = viewer(current_user.id, current_user.full_name, current_user.role_names)
    # Kept encoded: UTF-8 encoding a department day's page costs as much as the rest of the request.
    return slots.cached_render("page", territory_id, day, lambda daily: render_page(daily).encode(), mine)


def viewer(user_id: int, full_name: str, role_names: list[str]) -> tuple:
    """Everything of the user that base.html shows (the CSRF token stays valid for the cached minute)."""
    return (user_id, full_name, *role_names, session.get("csrf_token"))


ROLE_FLAGS = ", ".join(has_role_sql(role) for role in ROLES)
# The session's user as the page shows them, and the list's fingerprint: the cached page's only query.
SESSION_VIEWER = text(
    f"SELECT users.full_name, users.territory_id, {ROLE_FLAGS}, {', '.join(slots.FINGERPRINT_COLUMNS)}"
    " FROM users WHERE users.id = :user_id AND users.session_version = :version AND users.active = :active"
)


@bp.before_request
def serve_cached_page():
    """The page straight from the cache, ahead of the role guard, which loads the user through the ORM.

    Loading the user that way costs as much as the rest of a cached page, and regulators read this page all
    day. It answers only when the view would answer the same bytes: a GET of the list with a valid date and no
    message waiting, from a session Flask-Login accepts as is — its user id, and « strong » session protection
    passing (same address and browser as at login) — for an active regulator, with the page kept this minute for
    them. Anything else (no session, another browser, a deactivated account, no regulator role, a miss) falls
    through to the guard and the view, which decide and render as usual.
    """
    if request.endpoint != "regulation.home" or session.get("_flashes"):
        return None
    claimed = sessions.claim(session.get("_user_id") or "")
    # Flask-Login's own identifier of the request (sha512 of address and User-Agent), as its session check uses.
    if claimed is None or session.get("_id") != login_manager._session_identifier_generator():
        return None
    user_id, version = claimed
    day, valid = requested_day()
    if not valid:
        return None
    row = db.session.execute(SESSION_VIEWER, {"user_id": user_id, "version": version, "active": True}).one_or_none()
    if row is None:
        return None
    full_name, territory_id, *columns = row
    roles = [role for role, has in zip(ROLES, columns[: len(ROLES)], strict=True) if has]
    if "regulator" not in roles or territory_id is None:
        return None
    return slots.cached("page", territory_id, day, viewer(user_id, full_name, roles), tuple(columns[len(ROLES) :]))


@bp.route("/liste")
def fragment():
    """The list alone, fetched every minute by the page to refresh itself."""
    day, valid = requested_day()
    if not valid:
        abort(400)
    return slots.cached_render("html", current_user.territory_id, day, lambda daily: render_list(daily).encode())


def slot_or_404(slot_id: int):
    slot = bookings.territory_slot(slot_id, current_user.territory_id)
    if slot is None:
        abort(404)
    return slot


def back_to_list(day: date, anchor: str | None = None):
    return redirect(url_for("regulation.home", date=day.isoformat(), _anchor=anchor))


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
                return back_to_list(day, f"creneau-{slot.id}")
            getattr(form, error.field).errors.append(error.message)
            status = 422
        else:
            flash(
                f"Créneau de {time_fr(slot.starts_at)} réservé au {slot.shift.site.name} "
                f"(Dr {slot.gp.name}), dossier n° {booking.regulation_ref}.",
                "success",
            )
            return back_to_list(day, f"creneau-{slot.id}")
    elif request.method == "GET":
        refused = bookings.refusal(slot)
        if refused:
            flash(refused, "error")
            return back_to_list(day, f"creneau-{slot.id}")
    return render_template("regulation/book.html", slot=slot, form=form), status


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
            return back_to_list(day, f"creneau-{booking.slot_id}")
    return render_template("regulation/cancel.html", booking=booking, form=form, age_labels=AGE_BAND_LABELS)
