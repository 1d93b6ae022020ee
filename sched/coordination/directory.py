"""The GP directory: invite one GP, import a CSV (preview first, all or nothing), deactivate."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from sched.coordination import bp
from sched.coordination.common import own_gp
from sched.coordination.forms import EmptyForm, ImportForm, InviteForm
from sched.extensions import db
from sched.services import directory as service
from sched.services.absences import future_gardes
from sched.services.identity import normalise_phone, rpps_problem

MAX_IMPORT_CHARS = 100_000  # about 1 200 GPs


def invite_form() -> InviteForm:
    form = InviteForm()
    form.site_ids.choices = [(s.id, s.name) for s in current_user.territory.sites]
    return form


def page(form: InviteForm, import_form: ImportForm | None = None, rows=None, status: int = 200):
    territory = current_user.territory
    return render_template(
        "coordination/directory.html", gps=(gps := service.directory(territory)), form=form,
        invitations={gp.id: service.invitation(gp) for gp in gps},
        import_form=import_form or ImportForm(), rows=rows, empty_form=EmptyForm(),
    ), status  # fmt: skip


@bp.route("/medecins")
def directory():
    """The territory's GPs."""
    return page(invite_form())


@bp.route("/medecins/inviter", methods=["POST"])
def gp_invite():
    """Create one GP and e-mail an invitation."""
    form = invite_form()
    if form.validate_on_submit():
        if problem := rpps_problem(form.rpps.data):
            form.rpps.errors.append(problem)
        try:
            phone = normalise_phone(form.phone.data)
        except ValueError as error:
            form.phone.errors.append(str(error))
        if not form.rpps.errors and not form.phone.errors:
            sites = [s for s in current_user.territory.sites if s.id in set(form.site_ids.data or [])]
            name = f"{form.first_name.data.strip()} {form.last_name.data.strip()}"
            try:
                gp = service.create_gp(
                    current_user.territory, name, form.email.data, form.rpps.data.strip(), phone, sites
                )
                db.session.commit()
                say_invitation(gp)
                return redirect(url_for("coordination.directory"))
            except service.DirectoryError as error:
                db.session.rollback()
                form[error.field].errors.append(str(error))
    return page(form, status=422)


def say_invitation(gp) -> None:
    """« Invitation envoyée » only when the outbox holds the e-mail (waiting or sent); a failure is said as such."""
    invitation = service.invitation(gp)
    if invitation.state == "active":
        flash(f"{gp.name} a déjà un compte sur la plateforme pour une autre CPTS : il retrouve la vôtre en se "
              f"connectant avec {gp.user.email}, un e-mail le prévient.", "success")  # fmt: skip
    elif invitation.state in ("queued", "sent"):
        flash(f"{gp.name} est invité : l'invitation part par e-mail à {gp.user.email}.", "success")
    elif invitation.state == "failed":
        flash(f"{gp.name} est enregistré, mais l'invitation n'a pas pu partir : {invitation.error}.", "error")
    else:
        flash(f"{gp.name} est enregistré, mais aucune invitation n'est en attente d'envoi.", "error")


@bp.route("/medecins/import", methods=["POST"])
def gp_import():
    """Preview a CSV file (each row's problems), then import it all when the coordinator confirms."""
    form = ImportForm()
    if not form.validate_on_submit():
        abort(400)
    if not form.file.data and not form.content.data:
        form.file.errors = [service.NO_FILE]
        return page(invite_form(), form, status=422)
    try:
        text = service.decode(form.file.data.read()) if form.file.data else form.content.data or ""
    except service.DirectoryError as error:
        form.file.errors = [str(error)]
        return page(invite_form(), form, status=422)
    if len(text) > MAX_IMPORT_CHARS:
        # The preview echoes the file twice (table and hidden field): bound it.
        form.file.errors = [f"Fichier trop volumineux : {MAX_IMPORT_CHARS // 1000} 000 caractères au plus."]
        return page(invite_form(), form, status=413)
    try:
        rows = service.parse(text, current_user.territory)
    except service.DirectoryError as error:
        form.file.errors = [str(error)]
        return page(invite_form(), form, status=422)
    if form.confirm.data == "1":
        try:
            count = service.import_rows(current_user.territory, rows)
            db.session.commit()
        except service.DirectoryError as error:
            db.session.rollback()
            flash(str(error), "error")
            return redirect(url_for("coordination.directory"))
        flash(
            f"{count} médecins importés ; les invitations partent par e-mail." if count > 1
            else "1 médecin importé ; l'invitation part par e-mail.", "success",
        )  # fmt: skip
        return redirect(url_for("coordination.directory"))
    form.content.data = text
    return page(invite_form(), form, rows)


@bp.route("/medecins/<int:gp_id>/activation", methods=["POST"])
def gp_toggle(gp_id: int):
    """Deactivate a GP (history kept) or reactivate them."""
    gp = own_gp(gp_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if gp.active and future_gardes(gp):
        return redirect(url_for("coordination.gp_deactivate", gp_id=gp.id))  # never a ghost on the list
    service.set_active(gp, not gp.active)
    db.session.commit()
    flash(
        f"Le compte de {gp.name} est réactivé." if gp.active
        else f"Le compte de {gp.name} est désactivé ; son historique est conservé.", "success",
    )  # fmt: skip
    return redirect(url_for("coordination.directory"))
