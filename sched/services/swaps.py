"""Swaps: a GP proposes their garde against a named colleague's; the colleague accepts or declines; then the
coordination approves (offers.approve), and both changes are one new published version."""

from __future__ import annotations

from sched.extensions import db
from sched.models import GP, Shift, SwapRequest, utcnow
from sched.services import audit, eligibility
from sched.services.notifications import absolute
from sched.services.offers import (
    OfferError,
    after_acceptance,
    claim,
    clean_reason,
    future_garde_of,
    garde_words,
    insert_live,
    offer_link,
    tell,
)


def propose_swap(shift: Shift, gp: GP, counter_shift: Shift, partner: GP, reason: object) -> SwapRequest:
    """`gp` proposes their garde against `partner`'s; the partner is told; the caller commits."""
    future_garde_of(shift, gp)
    future_garde_of(counter_shift, partner)
    if partner.id == gp.id:
        raise OfferError("Choisissez la garde d'un confrère.")
    for garde, taker in ((shift, partner), (counter_shift, gp)):
        problem = swap_problem(garde, taker, {shift.id, counter_shift.id})
        if problem:
            raise OfferError(problem, 409)
    request = SwapRequest(
        kind="swap", shift_id=shift.id, from_gp_id=gp.id, to_gp_id=partner.id, counter_shift_id=counter_shift.id,
        reason=clean_reason(reason), created_by_id=gp.user_id,
    )  # fmt: skip
    insert_live(request)
    tell(
        partner, f"Proposition d'échange de garde de {gp.name}",
        [f"{gp.name} vous propose sa {garde_words(shift)} contre votre {garde_words(counter_shift)}."]
        + ([f"Message : {request.reason}"] if request.reason else []),
        offer_link(request), "Répondre à la proposition", None,
    )  # fmt: skip
    audit.record("swap.create", "swap_request", request.id, actor=gp.user, shift=shift.id, counter=counter_shift.id)
    return request


def swap_problem(shift: Shift, taker: GP, swapped: set[int]) -> str | None:
    """Why `taker` cannot hold `shift` after the swap (their other garde in the swap set aside), or None."""
    facts = eligibility.Facts.load(shift)
    if any(other.id not in swapped for other in eligibility.published_gardes(taker, Shift.date == shift.date)):
        return f"{taker.name} a déjà une autre garde ce jour-là."
    facts.busy_that_day.discard(taker.id)
    facts.in_period[taker.id] -= 1  # one garde given for one taken
    return eligibility.why_not(shift, taker, facts)


def answer_swap(request: SwapRequest, gp: GP, accept: bool) -> SwapRequest:
    """The partner accepts (then approval) or declines a swap; commits."""
    if request.kind != "swap" or request.to_gp_id != gp.id:
        raise OfferError("Cette proposition ne vous est pas adressée.", 403)
    if request.state != "open" or request.shift.starts_at <= utcnow():
        raise OfferError("Cette proposition n'attend plus de réponse.", 409)
    if accept:
        claim(request, gp)
        audit.record("swap.accept", "swap_request", request.id, actor=gp.user)
        after_acceptance(request)
    else:
        request.state = "declined"
        tell(
            request.from_gp, "Échange de garde refusé",
            [f"{gp.name} ne peut pas échanger sa {garde_words(request.counter_shift)} contre votre "
             f"{garde_words(request.shift)}."], absolute("/gp/"), "Mes gardes", None,
        )  # fmt: skip
        audit.record("swap.decline", "swap_request", request.id, actor=gp.user)
    db.session.commit()
    return request
