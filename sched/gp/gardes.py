"""The GP's gardes after publication: offer one, take a colleague's, propose and answer swaps, history."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from sched.extensions import db
from sched.gp import bp
from sched.gp.forms import OfferForm, SwapForm
from sched.i18n import local, month_fr
from sched.models import (
    GP,
    Assignment,
    AvailabilityAnswer,
    ConsultationSlot,
    Period,
    Shift,
    SlotBooking,
    SwapRequest,
    User,
    utcnow,
)
from sched.services import eligibility, ical, offers, swaps
from sched.services.availability import is_open
from sched.services.rosters import latest_published_ids, published_assignments
from sched.services.wording import shift_label

FAR = timedelta(days=3660)
LIVE = ("open", "taken")


def own_gp() -> GP:
    if current_user.gp is None:
        abort(404)
    return current_user.gp


def by_month(assignments: list[Assignment]) -> list[tuple[str, list[Assignment]]]:
    """[(« janvier 2027 », assignments of that month)] in the order given."""
    months: dict[str, list[Assignment]] = {}
    for a in assignments:
        months.setdefault(month_fr(local(a.shift.starts_at).date()), []).append(a)
    return list(months.items())


def live_requests(gp: GP) -> dict[int, SwapRequest]:
    """The GP's own live offers and swaps, by garde."""
    rows = db.session.scalars(select(SwapRequest).where(SwapRequest.from_gp_id == gp.id, SwapRequest.state.in_(LIVE)))
    return {r.shift_id: r for r in rows}


def offers_for(gp: GP, now: datetime) -> list[SwapRequest]:
    """Open offers of colleagues this GP could take, and swaps proposed to them, soonest first."""
    rows = db.session.scalars(
        select(SwapRequest)
        .join(SwapRequest.shift)
        .where(SwapRequest.state == "open", SwapRequest.from_gp_id != gp.id, Shift.starts_at > now)
        .where(Shift.period.has(territory_id=gp.user.territory_id))
        # Only at the GP's cabinets: the eligibility check below loads a garde's facts, one per offer left.
        .where(Shift.site_id.in_([s.id for s in gp.sites]) | (SwapRequest.to_gp_id == gp.id))
        .options(joinedload(SwapRequest.shift).joinedload(Shift.site))
        .order_by(Shift.starts_at)
    ).all()
    return [
        r
        for r in rows
        if (r.kind == "swap" and r.to_gp_id == gp.id)
        or (r.kind == "offer" and eligibility.refusal(r.shift, gp) is None)
    ]


def bookings_by_shift(shift_ids: list[int], gp_id: int) -> dict[int, list[tuple[ConsultationSlot, SlotBooking]]]:
    """Live bookings on the GP's own consultation slots of these shifts, in time order."""
    if not shift_ids:
        return {}
    rows = db.session.execute(
        select(ConsultationSlot, SlotBooking)
        .join(SlotBooking, SlotBooking.slot_id == ConsultationSlot.id)
        .where(
            ConsultationSlot.shift_id.in_(shift_ids),
            ConsultationSlot.gp_id == gp_id,
            SlotBooking.cancelled_at.is_(None),
        )
        .order_by(ConsultationSlot.starts_at)
    )
    grouped: dict[int, list] = defaultdict(list)
    for slot, booking in rows:
        grouped[slot.shift_id].append((slot, booking))
    return grouped


def upcoming(gp: GP, now: datetime) -> list[Assignment]:
    return published_assignments(now - timedelta(hours=4), now + FAR, gp.id)


@dataclass
class OtherTerritory:
    """The GP's account in another CPTS, seen from this one: what waits there (its own grid, its own gardes)."""

    account: User
    to_answer: list[Period]
    upcoming: list[Assignment]

    def local(self, instant: datetime) -> datetime:
        """A stored UTC instant as that CPTS's wall clock (a deadline in Réunion is read in Réunion time)."""
        return instant.astimezone(ZoneInfo(self.account.territory.timezone)).replace(tzinfo=None)


def other_territories(user: User, now: datetime) -> list[OtherTerritory]:
    """The person's other CPTS where they are a GP: periods still to answer there and their next gardes there.

    Only the person's own accounts are read; the days and hours are the shifts' own (that territory's local time).
    """
    others = []
    for account in user.sibling_accounts():
        if account.gp is None or not account.gp.active or account.territory_id is None:
            continue
        answered = select(AvailabilityAnswer.period_id).where(AvailabilityAnswer.gp_id == account.gp.id)
        collecting = db.session.scalars(
            select(Period)
            .where(Period.territory_id == account.territory_id, Period.state == "collecting")
            .where(Period.id.not_in(answered))
            .order_by(Period.start_date)
        )
        to_answer = [p for p in collecting if is_open(p)]
        others.append(OtherTerritory(account, to_answer, upcoming(account.gp, now)[:5]))
    return others


@bp.route("/historique")
def history():
    """The GP's past gardes, by month, most recent first."""
    gp = own_gp()
    now = utcnow()
    past = [a for a in published_assignments(now - FAR, now, gp.id) if a.shift.ends_at <= now]
    past.reverse()
    return render_template(
        "gp/history.html", months=by_month(past), bookings=bookings_by_shift([a.shift_id for a in past], gp.id)
    )


def my_garde(shift_id: int) -> Shift:
    """A garde of the GP in the published planning, or 404."""
    gp = own_gp()
    shift = db.session.get(Shift, shift_id)
    if shift is None or gp.id not in eligibility.on_shift(shift):
        abort(404)
    return shift


@bp.route("/gardes/<int:shift_id>/agenda.ics")
def garde_ics(shift_id: int):
    """One garde as an .ics file to add to any calendar (same UID and SEQUENCE as the GP's feed)."""
    shift = my_garde(shift_id)
    events = [e for e in ical.gp_events(own_gp()) if e.shift.id == shift.id]
    return Response(
        ical.render("Garde SNP", events),
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="garde-{shift.id}.ics"'},
    )


@bp.route("/gardes/<int:shift_id>/proposer", methods=["GET", "POST"])
def offer(shift_id: int):
    """« Je ne peux plus l'assurer »: offer the garde to the colleagues who could take it."""
    shift, gp = my_garde(shift_id), own_gp()
    form = OfferForm()
    if form.validate_on_submit():
        try:
            request = offers.offer(shift, gp, form.reason.data, current_user)
        except offers.OfferError as refused:
            db.session.rollback()
            form.reason.errors = [*form.reason.errors, str(refused)]
        else:
            db.session.commit()
            until = "qu'un confrère l'ait reprise" + ("" if auto() else " et que la coordination ait validé")
            flash(
                f"Garde proposée aux médecins qui peuvent la prendre. Vous restez de garde jusqu'à ce {until}.",
                "success",
            )
            return redirect(url_for("gp.request_detail", request_id=request.id))
    eligible = eligibility.candidates(shift, exclude={gp.id})
    return render_template("gp/offer.html", shift=shift, form=form, eligible=len(eligible), label=shift_label(shift))


def auto() -> bool:
    territory = current_user.territory
    return bool(territory and territory.auto_approve_swaps)


def swap_choices(shift: Shift, gp: GP) -> list[tuple[str, str]]:
    """Colleagues' future published gardes at this GP's cabinets, in the same period, not on the same day, that the
    swap rules allow both ways (limits, absences, a garde elsewhere at that hour): only swaps that can be made."""
    site_ids = {s.id for s in gp.sites}
    rows = db.session.execute(
        select(Assignment.shift_id, Assignment.gp_id)
        .join(Shift, Shift.id == Assignment.shift_id)
        .where(
            Assignment.version_id.in_(latest_published_ids()),
            Shift.period_id == shift.period_id,
            Shift.site_id.in_(site_ids),
            Shift.starts_at > utcnow(),
            Shift.date != shift.date,
            Assignment.gp_id != gp.id,
        )
        .order_by(Shift.starts_at)
    ).all()
    mine = {a.shift.date for a in upcoming(gp, utcnow())}
    shifts = {s.id: s for s in db.session.scalars(select(Shift).where(Shift.id.in_({r[0] for r in rows})))}
    names = {g.id: g for g in db.session.scalars(select(GP).where(GP.id.in_({r[1] for r in rows})))}
    return [
        (f"{shift_id}:{gp_id}", f"{shift_label(shifts[shift_id])}, {shifts[shift_id].site.name} — {names[gp_id].name}")
        for shift_id, gp_id in rows
        if shifts[shift_id].date not in mine
        and swaps.swap_problem(shift, names[gp_id], {shift.id, shift_id}) is None
        and swaps.swap_problem(shifts[shift_id], gp, {shift.id, shift_id}) is None
    ]


@bp.route("/gardes/<int:shift_id>/echanger", methods=["GET", "POST"])
def swap(shift_id: int):
    """Propose this garde against a named colleague's garde; they accept, then the coordination approves."""
    shift, gp = my_garde(shift_id), own_gp()
    form = SwapForm()
    form.counter.choices = swap_choices(shift, gp)
    if form.validate_on_submit():
        counter_id, partner_id = (int(x) for x in form.counter.data.split(":"))
        try:
            request = swaps.propose_swap(
                shift, gp, db.session.get(Shift, counter_id), db.session.get(GP, partner_id), form.reason.data
            )
        except offers.OfferError as refused:
            db.session.rollback()
            form.counter.errors = [*form.counter.errors, str(refused)]
        else:
            db.session.commit()
            flash(f"Proposition envoyée à {request.to_gp.name}.", "success")
            return redirect(url_for("gp.request_detail", request_id=request.id))
    return render_template("gp/swap.html", shift=shift, form=form, label=shift_label(shift))


def visible_request(request_id: int) -> SwapRequest:
    """A request the GP may see: their own, one addressed to them, or an open offer they could take."""
    gp = own_gp()
    request = db.session.get(SwapRequest, request_id)
    if request is None or request.shift.period.territory_id != current_user.territory_id:
        abort(404)
    if gp.id not in (request.from_gp_id, request.to_gp_id) and request.kind != "offer":
        abort(404)
    return request


@bp.route("/remplacements/<int:request_id>")
def request_detail(request_id: int):
    """One offer or swap: what it is, where it stands, and the one button this GP can press."""
    request, gp = visible_request(request_id), own_gp()
    can_take = (
        request.kind == "offer"
        and request.state == "open"
        and request.from_gp_id != gp.id
        and request.shift.starts_at > utcnow()
    )
    refused = eligibility.refusal(request.shift, gp) if can_take else None
    return render_template(
        "gp/request.html", request=request, gp=gp, can_take=can_take and refused is None, refused=refused,
        form=OfferForm(), label=shift_label, what=offers.what_happened, auto=auto(),
    )  # fmt: skip


def act(request_id: int, action, done: str):
    request, gp = visible_request(request_id), own_gp()
    if not OfferForm().validate_on_submit():
        abort(400)
    try:
        action(request, gp)
    except offers.OfferError as refused:
        db.session.rollback()
        flash(str(refused), "error")
    else:
        db.session.commit()
        flash(done if request.state != "approved" else f"{done} Le planning est mis à jour.", "success")
    return redirect(url_for("gp.request_detail", request_id=request_id))


@bp.route("/remplacements/<int:request_id>/prendre", methods=["POST"])
def take(request_id: int):
    """« Je la prends »: the first eligible GP to press it gets the garde."""
    return act(request_id, offers.take, "C'est noté : la garde est pour vous.")


@bp.route("/remplacements/<int:request_id>/accepter", methods=["POST"])
def accept_swap(request_id: int):
    """The partner accepts a swap."""
    return act(request_id, lambda r, gp: swaps.answer_swap(r, gp, True), "Échange accepté.")


@bp.route("/remplacements/<int:request_id>/refuser", methods=["POST"])
def decline_swap(request_id: int):
    """The partner declines a swap."""
    return act(request_id, lambda r, gp: swaps.answer_swap(r, gp, False), "Échange refusé.")


@bp.route("/remplacements/<int:request_id>/retirer", methods=["POST"])
def withdraw(request_id: int):
    """The GP who offered withdraws while nobody took it."""
    return act(request_id, offers.cancel, "Demande retirée : vous restez de garde.")
