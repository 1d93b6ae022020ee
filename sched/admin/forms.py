"""Administration forms: invite an account, change its roles and status, the territory's settings."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
    ValidationError,
)
from wtforms.validators import Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from sched.forms import email_valid, required, strip
from sched.models import ROLE_LABELS, TERRITORY_ROLES
from sched.services.identity import finess_problem
from sched.services.tokens import NAME_MAX

ROLE_CHOICES = [(role, ROLE_LABELS[role]) for role in TERRITORY_ROLES]


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def roles_field() -> CheckboxesField:
    return CheckboxesField(
        "Rôles", choices=ROLE_CHOICES, validators=[required("Choisissez au moins un rôle.")], default=[]
    )


class InviteForm(FlaskForm):
    full_name = StringField("Nom complet", validators=[required(), Length(max=200)])
    email = EmailField("Adresse e-mail", validators=[required(), email_valid()])
    roles = roles_field()


class AccountForm(FlaskForm):
    roles = roles_field()
    active = BooleanField("Compte actif (peut se connecter)")


def finess_valid(form, field) -> None:
    if field.data and (problem := finess_problem(field.data)):
        raise ValidationError(problem)


HOURS_MESSAGE = "Indiquez un nombre entier d'heures entre 0 et 5 000, ou laissez vide."


class TerritoryBaseForm(FlaskForm):
    """What both the territory's administrator and the platform's set."""

    name = StringField("Nom de la CPTS", validators=[required(), Length(max=200)])
    finess = StringField(
        "Numéro FINESS de la CPTS",
        validators=[Optional(), finess_valid],
        filters=[strip],
        description="9 chiffres. La plateforme nationale SAS identifie la CPTS par ce numéro.",
    )
    ars_email = EmailField(
        "Adresse de l'ARS",
        validators=[Optional(), email_valid()],
        filters=[strip],
        description="Reçoit le rapport d'activité du mois précédent le 2 de chaque mois (rien n'est envoyé si vide).",
    )
    funded_hours_month = IntegerField(
        "Heures de garde financées par mois",
        validators=[Optional(), NumberRange(min=0, max=5000, message=HOURS_MESSAGE)],
        invalid_value_message=HOURS_MESSAGE,
        description="Le tableau de bord compare les heures ouvertes à ce volume.",
    )


class TerritoryForm(TerritoryBaseForm):
    regulators_email = EmailField(
        "Adresse de la régulation (centre 15)",
        validators=[Optional(), email_valid()],
        filters=[strip],
        description="Reçoit chaque jour à 17 h la liste du lendemain.",
    )
    coordination_email = EmailField(
        "Adresse de la coordination", validators=[Optional(), email_valid()], filters=[strip]
    )
    auto_approve_swaps = BooleanField("Valider automatiquement les reprises et échanges de gardes entre médecins")


class TokenForm(FlaskForm):
    name = StringField(
        "Nom du jeton",
        validators=[
            required("Donnez un nom au jeton."),
            Length(max=NAME_MAX, message=f"{NAME_MAX} caractères au plus."),
        ],
        description="Le logiciel ou le poste qui l'utilisera, par exemple « Logiciel SAS — poste 2 ».",
    )
    user_id = SelectField(  # the choices (the territory's regulators) are checked by the view
        "Compte de régulation",
        validators=[required("Choisissez le compte de régulation.")],
        validate_choice=False,
        description="Le jeton lit et réserve les créneaux au nom de ce compte.",
    )


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search, it changes nothing

    q = SearchField("Rechercher un compte", description="Nom ou adresse e-mail.")
