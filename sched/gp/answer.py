"""The availability answer for a period: a grid of radio groups, weekly quick fills, one atomic save."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from sched.auth import recovery
from sched.errors import render_error
from sched.extensions import db
from sched.gp import bp
from sched.gp.forms import AnswerForm
from sched.i18n import datetime_fr
from sched.models import GP, Period, Shift, User
from sched.services import availability as av

UNKNOWN_SHIFT_MESSAGE = (
    "Une des gardes envoyées ne fait pas partie de vos gardes pour cette période : rien n'a été enregistré. "
    "Rechargez la page et recommencez."
)
CONCURRENT_MESSAGE = "Vos disponibilités viennent d'être enregistrées depuis un autre onglet : rechargez la page."
CLOSED_MESSAGE = (
    "La date limite de réponse est passée : vos disponibilités pour cette période ne peuvent plus être "
    "modifiées. Contactez la coordination de la CPTS si besoin."
)


def current_gp() -> GP:
    if current_user.gp is None:
        abort(404)
    return current_user.gp


def territory_period(period_id: int) -> Period:
    """A period of the user's territory that has been opened to GPs (404 otherwise)."""
    period = db.get_or_404(Period, period_id)
    if period.territory_id != current_user.territory_id or period.state == "draft":
        abort(404)
    return period


def posted_levels(form: MultiDict, shifts: list[Shift]) -> dict[int, str]:
    """The radio groups `shift-<id>` of the post; a shift that is not on the GP's grid raises UnknownShift."""
    allowed = {shift.id for shift in shifts}
    levels = {}
    for key, value in form.items():
        if not key.startswith("shift-"):
            continue
        shift_id = key.removeprefix("shift-")
        if not shift_id.isdigit() or int(shift_id) not in allowed or value not in av.CHOICES:
            raise av.UnknownShift(shift_id)
        if value != av.UNAVAILABLE:
            levels[int(shift_id)] = value
    return levels


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n > 1 else ''}"


def summary_text(levels: dict[int, str]) -> str:
    """« disponible pour 5 gardes, dont 2 préférées » or « aucune garde sur cette période »."""
    if not levels:
        return "aucune garde sur cette période"
    preferred = sum(1 for level in levels.values() if level == "preferred")
    text = f"disponible pour {plural(len(levels), 'garde')}"
    return text + (f", dont {plural(preferred, 'préférée')}" if preferred else "")


def limits_of(form: AnswerForm) -> av.Limits:
    return av.Limits(form.max_shifts.data, form.max_per_week.data, form.max_saturdays.data)


def render(period: Period, gp: GP, shifts: list[Shift], levels: dict[int, str], form: AnswerForm, **extra):
    entered_by = extra.pop("entered_by", None)
    return render_template(
        "gp/answer.html",
        period=period,
        gp=gp,
        weeks=av.group_by_week(shifts),
        levels=levels,
        form=form,
        editable=period.state != "draft" if entered_by is not None else av.is_open(period),
        by_coordination=entered_by is not None,
        answer=av.answer_of(period, gp),
        patterns=av.patterns(shifts),
        choices=av.CHOICE_LABELS,
        pattern_key=av.pattern_key,
        counts=av.summary(levels),
        total=len(shifts),
        **extra,
    )


def render_kept(period: Period, gp: GP, shifts: list[Shift], kept: MultiDict, extra: dict):
    """The form as it was sent when the session had ended: its choices shown again, not yet saved."""
    form = AnswerForm(formdata=kept)
    form.validate()
    try:
        levels = posted_levels(kept, shifts)
    except av.UnknownShift:  # the grid changed meanwhile: the shifts still on it keep their choice
        allowed = {f"shift-{shift.id}" for shift in shifts}
        levels = posted_levels(MultiDict([(k, v) for k, v in kept.items() if k in allowed and v in av.CHOICES]), shifts)
    return render(period, gp, shifts, levels, form, pending=True, kept=True, **extra)


@bp.route("/disponibilites/<int:period_id>", methods=["GET", "POST"])
def answer(period_id: int):
    """Give or change one's availability for a period, until its deadline."""
    period = territory_period(period_id)
    return answer_page(period, current_gp(), url_for("gp.answer", period_id=period.id))


def answer_page(period: Period, gp: GP, action: str, entered_by: User | None = None, **extra):
    """The grid of `gp`'s answer: GET shows it, POST fills or saves it and redirects to `action`.

    The GP's own page and the coordination's entry of an answer received by phone or paper (`entered_by`:
    the coordinator; the deadline does not apply to them) are the same page.
    """
    shifts = av.answerable_shifts(period, gp)
    form = AnswerForm()
    extra = {**extra, "action": action, "entered_by": entered_by}
    if request.method == "GET":
        kept = recovery.take(request.path)
        if kept is not None and (entered_by is not None or av.is_open(period)):
            return render_kept(period, gp, shifts, kept, extra)
        if kept is not None:
            flash("La date limite est passée avant votre reconnexion : vos derniers choix n'ont pas pu être "
                  "enregistrés. Contactez la coordination de la CPTS si besoin.", "error")  # fmt: skip
        saved = av.answer_of(period, gp)
        limits = av.default_limits(period, gp)
        form.max_shifts.data = limits.max_shifts
        form.max_per_week.data = limits.max_per_week
        form.max_saturdays.data = limits.max_saturdays
        form.comment.data = saved.comment if saved else None
        return render(period, gp, shifts, av.saved_levels(period, gp), form, **extra)

    if entered_by is None and not av.is_open(period):
        return render_error(409, CLOSED_MESSAGE)
    try:
        levels = posted_levels(request.form, shifts)
    except av.UnknownShift:
        return render_error(400, UNKNOWN_SHIFT_MESSAGE)
    fill = request.form.get("fill", "")
    if fill == av.FILL_CLEAR:
        form.validate()
        return render(period, gp, shifts, {}, form, pending=True, **extra)
    if fill and fill != av.FILL_NOTHING:
        form.validate()  # show limit errors now rather than after the fill
        if fill == av.FILL_PREVIOUS:
            previous = av.levels_like_previous(period, gp, shifts)
            if previous is None:
                flash("Pas de réponse pour la période précédente : rien à recopier.", "warning")
                return render(period, gp, shifts, levels, form, **extra)
            levels = previous
        elif fill in dict(av.patterns(shifts)):
            levels = av.apply_fill(fill, shifts, levels)
        else:
            abort(400)
        return render(period, gp, shifts, levels, form, pending=True, **extra)
    if fill == av.FILL_NOTHING:
        levels = {}
    if not form.validate():
        return render(period, gp, shifts, levels, form, pending=True, **extra)
    try:
        saved = av.save_answer(period, gp, levels, limits_of(form), form.comment.data, entered_by=entered_by)
    except av.AnswerClosed:
        db.session.rollback()
        return render_error(409, CLOSED_MESSAGE)
    except av.AvailabilityError:
        db.session.rollback()
        return render_error(400, UNKNOWN_SHIFT_MESSAGE)
    try:
        db.session.commit()
    except IntegrityError:  # two first answers at once on a database without the lock: one is kept
        db.session.rollback()
        return render_error(409, CONCURRENT_MESSAGE)
    whose = f"Réponse de {gp.name} enregistrée" if entered_by is not None else "Disponibilités enregistrées"
    flash(f"{whose} le {datetime_fr(saved.answered_at)} : {summary_text(levels)}.", "success")
    return redirect(action)
