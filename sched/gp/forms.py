"""The GP's forms: availability answer (limits and comment), contact details, password, defaults."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import EqualTo, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from sched.forms import FrenchDateField, email_valid, required, strip
from sched.services.passwords import MIN_LENGTH

UNKNOWN_SITE = "Ce cabinet de garde ne fait pas partie de la CPTS."
LIMIT_MESSAGE = "Indiquez un nombre entier positif ou nul, ou laissez vide (pas de limite)."


def limit_in_range(form, field) -> None:
    """0 to 99 when given; a value that is not a number already has its error from the field."""
    if field.data is not None and not 0 <= field.data <= 99:
        raise ValidationError(LIMIT_MESSAGE)


def limit_field(label: str) -> IntegerField:
    return IntegerField(
        label,
        validators=[Optional(), limit_in_range],
        invalid_value_message=LIMIT_MESSAGE,
        render_kw={"min": 0, "max": 99, "step": 1},
    )


class LimitsMixin:
    max_shifts = limit_field("Nombre maximum de gardes sur la période")
    max_per_week = limit_field("Nombre maximum de gardes par semaine")
    max_saturdays = limit_field("Nombre maximum de samedis")


class AnswerForm(LimitsMixin, FlaskForm):
    """Limits and comment of an availability answer; the shift choices are radio groups read by the view."""

    comment = TextAreaField(
        "Commentaire pour la coordination de la CPTS",
        validators=[Optional(), Length(max=1000, message="1 000 caractères au plus.")],
        render_kw={"rows": 3},
    )


class ContactForm(FlaskForm):
    phone = TelField("Téléphone portable", validators=[required()], filters=[strip])
    email = EmailField("Adresse e-mail", validators=[required(), email_valid(), Length(max=254)], filters=[strip])
    sms_opt_in = BooleanField("Recevoir aussi par SMS les messages urgents (gardes à pourvoir, remplacements)")


class PasswordChangeForm(FlaskForm):
    current = PasswordField("Mot de passe actuel", validators=[required()])
    new = PasswordField(
        "Nouveau mot de passe",
        validators=[required(), Length(min=MIN_LENGTH, max=200, message=f"Au moins {MIN_LENGTH} caractères.")],
        description=f"Au moins {MIN_LENGTH} caractères.",
    )
    confirm = PasswordField(
        "Confirmez le nouveau mot de passe",
        validators=[required(), EqualTo("new", message="Les deux mots de passe ne sont pas identiques.")],
    )


class SiteChoices(SelectMultipleField):
    """Checkboxes of duty centres; a value that is not one of them is refused in French."""

    def process_formdata(self, valuelist):
        try:
            self.data = [self.coerce(value) for value in valuelist]
        except ValueError as error:
            self.data = []
            raise ValueError(UNKNOWN_SITE) from error

    def pre_validate(self, form):
        known = {value for value, _label in self.choices or []}
        if any(value not in known for value in self.data or []):
            raise ValidationError(UNKNOWN_SITE)


class DefaultsForm(LimitsMixin, FlaskForm):
    """Default limits (prefilled in each new answer) and the duty centres the GP works at."""

    sites = SiteChoices(
        "Cabinets de garde où je peux assurer des gardes",
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[Optional()],
    )


class OfferForm(FlaskForm):
    reason = TextAreaField(
        "Motif (facultatif, visible par vos confrères et la coordination)",
        validators=[Optional(), Length(max=300, message="300 caractères au plus.")],
        filters=[strip],
    )


class SwapForm(OfferForm):
    counter = RadioField(
        "La garde que vous prendriez en échange", choices=[], validate_choice=True,
        validators=[required("Choisissez la garde d'un confrère.")],
    )  # fmt: skip


class AbsenceForm(FlaskForm):
    start = FrenchDateField("Premier jour d'absence", validators=[InputRequired("Indiquez le premier jour d'absence.")])
    end = FrenchDateField("Dernier jour d'absence", validators=[InputRequired("Indiquez le dernier jour d'absence.")])
    reason = StringField(
        "Motif (facultatif : congés, formation…)",
        validators=[Optional(), Length(max=200, message="200 caractères au plus.")],
        filters=[strip],
    )
