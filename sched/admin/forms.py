"""Administration forms: invite an account, change its roles and status."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SearchField, SelectField, SelectMultipleField, StringField
from wtforms.validators import Length
from wtforms.widgets import CheckboxInput, ListWidget

from sched.forms import email_valid, required
from sched.models import ROLE_LABELS, ROLES
from sched.services.tokens import NAME_MAX

ROLE_CHOICES = [(role, ROLE_LABELS[role]) for role in ROLES]


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
