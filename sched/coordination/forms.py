"""Forms of the coordination pages (French labels and messages)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import NumberRange, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, MonthInput

from sched.forms import FrenchDateField, Length, Optional, email_valid, required

WEEKDAY_CHOICES = [
    (0, "lundi"), (1, "mardi"), (2, "mercredi"), (3, "jeudi"), (4, "vendredi"), (5, "samedi"), (6, "dimanche"),
]  # fmt: skip


def at_least(n: int) -> NumberRange:
    return NumberRange(min=n, message=f"Indiquez un nombre supérieur ou égal à {n}.")


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of checkboxes (a multi-select list is hard to use, above all on a phone)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.flags.required = False  # `required` on each box would ask for every one of them


def parse_month(text: str) -> tuple[int, int]:
    """(year, month) of « 2027-03 » (the month picker's value), « mars 2027 », « 03/2027 » or « 3 2027 »."""
    words = text.strip().lower().replace("/", " ").replace("-", " ").replace(".", " ").split()
    if len(words) != 2:
        raise ValueError(text)
    first, second = words
    if first.isdigit() and len(first) == 4:  # 2027-03
        first, second = second, first
    month = int(first) if first.isdigit() else MONTH_NUMBERS.get(first.replace("é", "e").replace("û", "u"), 0)
    year = int(second) if second.isdigit() else 0
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        raise ValueError(text)
    return year, month


MONTH_NUMBERS = {
    "janvier": 1, "janv": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3, "avril": 4, "avr": 4, "mai": 5,
    "juin": 6, "juillet": 7, "juil": 7, "aout": 8, "septembre": 9, "sept": 9, "octobre": 10, "oct": 10,
    "novembre": 11, "nov": 11, "decembre": 12, "dec": 12,
}  # fmt: skip


class MonthField(StringField):
    """A month: the browser's month picker (`type=month`), with typed text such as « mars 2027 » also read."""

    widget = MonthInput()


class PeriodForm(FlaskForm):
    kind = SelectField("Durée", choices=[("month", "Un mois"), ("quarter", "Un trimestre")], default="month")
    start = MonthField("Premier mois", validators=[required("Choisissez le premier mois.")])
    name = StringField("Nom (facultatif)", validators=[Optional(), Length(max=100)])

    def validate_start(self, field) -> None:
        try:
            year, month = parse_month(field.data)
        except ValueError:
            raise ValidationError("Choisissez un mois, par exemple « mars 2027 ».") from None
        field.data = f"{year}-{month:02d}"


class OpenForm(FlaskForm):
    deadline = DateField("Date limite des réponses", validators=[required("Indiquez une date limite.")])


class ReopenForm(FlaskForm):
    deadline = DateField("Nouvelle date limite des réponses", validators=[required("Indiquez une date limite.")])


class StaffingForm(FlaskForm):
    shift_ids = SelectMultipleField("Gardes", coerce=int, validate_choice=False)
    min_gps = IntegerField("Minimum", validators=[required(), at_least(0)])
    target_gps = IntegerField("Cible", validators=[required(), at_least(1)])

    def validate_target_gps(self, field) -> None:
        if self.min_gps.data is not None and field.data is not None and field.data < self.min_gps.data:
            raise ValidationError("La cible doit être au moins égale au minimum.")


class SolveForm(FlaskForm):
    time_limit_s = IntegerField(
        "Temps maximal (secondes)", default=60,
        validators=[required(), NumberRange(min=1, max=600, message="Entre 1 et 600 secondes.")],
    )  # fmt: skip


class AssignForm(FlaskForm):
    shift_id = IntegerField("Garde", validators=[required()])
    gp_id = SelectField("Médecin", coerce=int, validate_choice=False)
    pin = BooleanField("Épingler : une nouvelle optimisation gardera ce médecin sur cette garde")
    reason = TextAreaField("Raison si une règle est enfreinte", validators=[Optional(), Length(max=500)])


class ChangeForm(FlaskForm):
    shift_id = IntegerField(validators=[required()])
    gp_id = IntegerField(validators=[required()])
    withdrawal = BooleanField("Désistement (le marquer indisponible)")


class FixForm(FlaskForm):
    shift_id = IntegerField(validators=[required()])
    gp_id = IntegerField(validators=[required()])
    limit = SelectField(choices=[("max_shifts", ""), ("max_per_week", ""), ("max_saturdays", "")])
    raise_to = IntegerField(validators=[required(), NumberRange(min=1, max=99)])


class AuditFilterForm(FlaskForm):
    actor_id = SelectField("Personne", coerce=int, default=0, validate_choice=False)
    action = SelectField("Action", default="", validate_choice=False)
    start = FrenchDateField("Du", validators=[Optional()])
    end = FrenchDateField("Au", validators=[Optional()])
    logins = BooleanField("Afficher aussi les connexions")


class EmptyForm(FlaskForm):
    pass


class SiteForm(FlaskForm):
    name = StringField("Nom du cabinet de garde", validators=[required(), Length(max=200)])
    address = StringField("Adresse", validators=[required(), Length(max=300)])
    postal_code = StringField("Code postal", validators=[required(), Length(max=10)])
    city = StringField("Commune", validators=[required(), Length(max=120)])
    phone = StringField("Téléphone (appelé par la régulation)", validators=[required()])
    rooms = IntegerField("Salles de consultation", default=1, validators=[required(), at_least(1)])
    active = BooleanField("Ouvert", default=True)
    # The SAS platform always sees the créneaux as CPTS and SNP (regulators); these open them further.
    sas_public = BooleanField("Créneaux visibles aussi du grand public (PUBLIC)", default=False)
    sas_pro = BooleanField("Créneaux visibles aussi des professionnels de santé (PRO)", default=False)


class TemplateForm(FlaskForm):
    label = StringField("Libellé", validators=[required(), Length(max=100)])
    weekdays = MultiCheckboxField(
        "Jours", coerce=int, choices=WEEKDAY_CHOICES, validators=[required("Cochez au moins un jour.")]
    )
    start_time = TimeField("Début", validators=[required()])
    end_time = TimeField("Fin", validators=[required()])
    min_gps = IntegerField("Minimum", default=1, validators=[required(), at_least(0)])
    target_gps = IntegerField("Cible", default=1, validators=[required(), at_least(1)])
    priority = IntegerField("Priorité", default=1, validators=[required(), at_least(1)])
    slot_minutes = IntegerField(
        "Durée d'un créneau (minutes)", default=20,
        validators=[required(), NumberRange(min=5, max=240, message="Entre 5 et 240 minutes.")],
    )  # fmt: skip

    def validate_end_time(self, field) -> None:
        if self.start_time.data and field.data and field.data <= self.start_time.data:
            raise ValidationError("La fin doit suivre le début.")

    def validate_target_gps(self, field) -> None:
        if self.min_gps.data is not None and field.data is not None and field.data < self.min_gps.data:
            raise ValidationError("La cible doit être au moins égale au minimum.")


class InviteForm(FlaskForm):
    last_name = StringField("Nom", validators=[required(), Length(max=100)])
    first_name = StringField("Prénom", validators=[required(), Length(max=100)])
    rpps = StringField("Numéro RPPS", validators=[required()])
    email = StringField("Adresse e-mail", validators=[required(), email_valid()])
    phone = StringField("Téléphone portable", validators=[required()])
    site_ids = MultiCheckboxField("Cabinets de garde", coerce=int, validate_choice=False)


class ImportForm(FlaskForm):
    file = FileField("Fichier CSV")
    content = HiddenField()
    confirm = HiddenField()
