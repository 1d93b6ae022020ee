"""Administration forms: invite an account, change its roles and status."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectMultipleField, StringField
from wtforms.validators import Length
from wtforms.widgets import CheckboxInput, ListWidget

from sched.forms import email_valid, required
from sched.models import ROLE_LABELS, ROLES

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
