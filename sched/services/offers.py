"""The replacement market: a GP offers a garde, the first eligible colleague takes it, the coordination (or the
territory's automatic approval) approves — offers and swaps (swaps.py) alike.

Races are decided by the database: taking an offer is one conditional UPDATE (`state = 'open'`), so among GPs
tapping « Je la prends » at once exactly one row changes; the partial unique index refuses a second live offer
of the same garde. Each approved request becomes one new published version (replacements.amend_published).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from sched.extensions import db
from sched.i18n import date_fr, time_fr
from sched.models import GP, Shift, SwapRequest, Territory, User, utcnow
from sched.services import audit, eligibility, replacements, sms
from sched.services.mail import queue_template
from sched.services.notifications import absolute
from sched.services.wording import shift_label

ESCALATE_BEFORE = timedelta(hours=72)
REASON_MAX = 300


class OfferError(ValueError):
    """A request refused (French message); `status` is the HTTP answer for the API and the tests."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


def garde_words(shift: Shift) -> str:
    return f"{shift_label(shift)} au {shift.site.name}"


def offer_link(request: SwapRequest) -> str:
    return absolute(f"/gp/remplacements/{request.id}")


def urgent_text(shift: Shift) -> str:
    """The SMS of a garde to take within 72 h (the link follows it)."""
    when = f"{date_fr(shift.date, year=False)} {time_fr(shift.start_time)}"
    return f"Urgent : garde à reprendre le {when}, {shift.site.name}."


def tell(gp: GP, subject: str, paragraphs: list[str], link: str | None, action: str, sms_text: str | None) -> None:
    """E-mail `gp` (and SMS when they chose it and `sms_text` is given)."""
    queue_template(
        gp.user.email, subject, "notice", "garde_market",
        name=gp.name, paragraphs=paragraphs, link=link, action=action,
    )  # fmt: skip
    if sms_text:
        sms.queue_sms_to_gp(gp, f"{sms_text} {link}" if link else sms_text, "garde_market")


def tell_coordination(territory_id: int, subject: str, paragraphs: list[str], link: str) -> None:
    territory = db.session.get(Territory, territory_id)
    if territory is not None and territory.coordination_email:
        queue_template(
            territory.coordination_email, subject, "notice", "garde_market",
            name=None, paragraphs=paragraphs, link=link, action="Ouvrir les remplacements",
        )  # fmt: skip


def clean_reason(reason: object) -> str | None:
    text = str(reason or "").strip() if isinstance(reason, (str, type(None))) else ""
    if len(text) > REASON_MAX:
        raise OfferError(f"Motif trop long : {REASON_MAX} caractères au plus.")
    return text or None


def future_garde_of(shift: Shift, gp: GP) -> None:
    """Refuse unless `gp` holds `shift` in the published planning and it has not started."""
    if gp.id not in eligibility.on_shift(shift):
        raise OfferError(f"{gp.name} n'est pas sur la {shift_label(shift)}.", 404)
    if shift.starts_at <= utcnow():
        raise OfferError("Cette garde est commencée ou passée.", 409)


def insert_live(request: SwapRequest) -> None:
    """Add a new request; the partial unique index refuses a second live one for the same garde and GP."""
    try:
        with db.session.begin_nested():
            db.session.add(request)
    except IntegrityError:
        raise OfferError("Cette garde est déjà proposée ou en cours d'échange.", 409) from None


def offer(shift: Shift, gp: GP, reason: object, actor: User | None) -> SwapRequest:
    """Offer `gp`'s garde to every eligible colleague (fairest first); the caller commits."""
    future_garde_of(shift, gp)
    request = SwapRequest(
        kind="offer", shift_id=shift.id, from_gp_id=gp.id, reason=clean_reason(reason),
        created_by_id=actor.id if actor else None,
    )  # fmt: skip
    insert_live(request)
    ranked = eligibility.candidates(shift, exclude={gp.id})
    urgent = shift.starts_at - utcnow() <= ESCALATE_BEFORE
    for candidate in ranked:
        tell(
            candidate.gp, f"Garde à reprendre : {garde_words(shift)}",
            [f"{gp.name} ne peut plus assurer la {garde_words(shift)} et vous pouvez la prendre.",
             "Le premier médecin qui accepte la reprend."],
            offer_link(request), "Voir et accepter la garde", urgent_text(shift) if urgent else None,
        )  # fmt: skip
    if urgent or not ranked:
        escalate(request, ranked)
    audit.record("offer.create", "swap_request", request.id, actor=actor, shift=shift.id, gp=gp.id, told=len(ranked))
    return request


def escalate(request: SwapRequest, ranked: list[eligibility.Candidate] | None = None) -> None:
    """The garde is near (72 h) or nobody can take it: alert the coordination, SMS every eligible GP once."""
    shift = request.shift
    if ranked is None:
        ranked = eligibility.candidates(shift, exclude={request.from_gp_id})
        for candidate in ranked:
            sms.queue_sms_to_gp(candidate.gp, f"{urgent_text(shift)} {offer_link(request)}", "garde_market")
    request.escalated_at = utcnow()
    tell_coordination(
        shift.period.territory_id,
        f"Garde sans repreneur : {garde_words(shift)}",
        [f"{request.from_gp.name} a proposé la {garde_words(shift)} ; personne ne l'a encore prise.",
         f"{len(ranked)} médecin(s) peuvent la prendre." if ranked else "Aucun médecin ne peut la prendre."],
        absolute(f"/coordination/remplacements/garde/{shift.id}?gp={request.from_gp_id}"),
    )  # fmt: skip
    audit.record("offer.escalate", "swap_request", request.id, eligible=len(ranked))


def claim(request: SwapRequest, gp: GP) -> None:
    """`gp` takes the open request in one conditional UPDATE (`state = 'open'`): exactly one caller wins."""
    won = db.session.execute(
        update(SwapRequest)
        .where(SwapRequest.id == request.id, SwapRequest.state == "open")
        .values(state="taken", to_gp_id=gp.id, taken_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:
        db.session.rollback()
        raise OfferError("Trop tard : cette garde vient d'être prise par un confrère.", 409)
    db.session.refresh(request)


def take(request: SwapRequest, gp: GP) -> SwapRequest:
    """`gp` takes an open offer; commits. The first to accept gets it; approval follows (or is automatic)."""
    if request.kind != "offer":
        raise OfferError("Cette demande n'est pas une garde à reprendre.", 404)
    if request.state != "open" or request.shift.starts_at <= utcnow():
        raise OfferError("Trop tard : cette garde n'est plus proposée.", 409)
    refused = eligibility.refusal(request.shift, gp)
    if refused:
        raise OfferError(refused, 409)
    claim(request, gp)
    audit.record("offer.take", "swap_request", request.id, actor=gp.user, gp=gp.id)
    after_acceptance(request)
    db.session.commit()
    return request


def after_acceptance(request: SwapRequest) -> None:
    """Approve at once when the territory says so; otherwise ask the coordination."""
    territory = db.session.get(Territory, request.shift.period.territory_id)
    if territory.auto_approve_swaps:
        approve(request, None)
        return
    what = "reprise" if request.kind == "offer" else "échange"
    tell_coordination(
        territory.id, f"Remplacement à valider : {garde_words(request.shift)}",
        [f"{request.to_gp.name} accepte la {what} de la {garde_words(request.shift)} de {request.from_gp.name}."],
        absolute("/coordination/remplacements"),
    )  # fmt: skip
    tell(
        request.from_gp, f"Votre garde est reprise : {garde_words(request.shift)}",
        [f"{request.to_gp.name} a accepté votre garde ; la coordination doit encore valider."],
        absolute("/gp/"), "Mes gardes", None,
    )  # fmt: skip


def approve(request: SwapRequest, actor: User | None) -> SwapRequest:
    """The coordination (or the territory's automatic approval) accepts: one new published version."""
    if request.state != "taken":
        raise OfferError("Cette demande n'attend pas de validation.", 409)
    shift, leaving, taking = request.shift, request.from_gp, request.to_gp
    if request.kind == "offer":
        changes = [(shift, leaving, taking)]
    else:
        changes = [(shift, leaving, taking), (request.counter_shift, taking, leaving)]
    try:
        version = replacements.amend_published(
            shift.period, changes, actor, "swap", f"{what_happened(request)} (demande {request.id})"
        )
    except replacements.ReplacementError as refused:
        raise OfferError(str(refused), 409) from None
    request.state, request.decided_at, request.version_id = "approved", utcnow(), version.id
    request.decided_by_id = actor.id if actor else None
    audit.record("offer.approve", "swap_request", request.id, actor=actor, version=version.number)
    return request


def what_happened(request: SwapRequest) -> str:
    if request.kind == "offer":
        return f"{request.to_gp.name} reprend la {garde_words(request.shift)} de {request.from_gp.name}"
    return (
        f"{request.from_gp.name} et {request.to_gp.name} échangent la {garde_words(request.shift)} "
        f"et la {garde_words(request.counter_shift)}"
    )


def refuse(request: SwapRequest, actor: User) -> SwapRequest:
    """The coordination says no: the garde stays with its GP; both are told."""
    if request.state != "taken":
        raise OfferError("Cette demande n'attend pas de validation.", 409)
    request.state, request.decided_at, request.decided_by_id = "refused", utcnow(), actor.id
    for gp in (request.from_gp, request.to_gp):
        tell(
            gp, f"Remplacement refusé : {garde_words(request.shift)}",
            [f"La coordination n'a pas validé : {what_happened(request)}. Le planning ne change pas."],
            absolute("/gp/"), "Mes gardes", None,
        )  # fmt: skip
    audit.record("offer.refuse", "swap_request", request.id, actor=actor)
    return request


def cancel(request: SwapRequest, gp: GP) -> SwapRequest:
    """The GP who offered withdraws the offer (only while nobody took it)."""
    if request.from_gp_id != gp.id:
        raise OfferError("Cette demande n'est pas la vôtre.", 403)
    if request.state != "open":
        raise OfferError("Cette demande ne peut plus être retirée.", 409)
    request.state = "cancelled"
    audit.record("offer.cancel", "swap_request", request.id, actor=gp.user)
    return request


def escalate_due(now: datetime | None = None) -> int:
    """Job: open offers whose garde starts within 72 h are escalated once; past ones expire. Returns escalations."""
    now = now or utcnow()
    expired = db.session.scalars(
        select(SwapRequest)
        .join(SwapRequest.shift)
        .where(SwapRequest.state.in_(("open", "taken")), Shift.starts_at <= now)
    ).all()
    for request in expired:
        request.state = "expired"
    due = db.session.scalars(
        select(SwapRequest)
        .join(SwapRequest.shift)
        .where(
            SwapRequest.kind == "offer",
            SwapRequest.state == "open",
            SwapRequest.escalated_at.is_(None),
            Shift.starts_at <= now + ESCALATE_BEFORE,
        )
    ).all()
    for request in due:
        escalate(request)
    db.session.commit()
    return len(due)
