"""Account forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import EqualTo, Length

from sched.forms import email_valid, required
from sched.services.passwords import MIN_LENGTH


class LoginForm(FlaskForm):
    email = EmailField("Adresse e-mail", validators=[required(), email_valid()])
    password = PasswordField("Mot de passe", validators=[required()])
    remember = BooleanField("Rester connecté sur cet appareil")


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Adresse e-mail", validators=[required(), email_valid()])


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        "Nouveau mot de passe",
        validators=[
            required(),
            Length(min=MIN_LENGTH, max=200, message=f"Au moins {MIN_LENGTH} caractères."),
        ],
        description=f"Au moins {MIN_LENGTH} caractères.",
    )
    confirm = PasswordField(
        "Confirmez le mot de passe",
        validators=[
            required(),
            EqualTo("password", message="Les deux mots de passe ne sont pas identiques."),
        ],
    )


class LogoutForm(FlaskForm):
    """Only the CSRF token: logging out is a POST."""
