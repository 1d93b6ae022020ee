"""Booking and cancellation forms; the rules on what may be typed live in services/slots.py."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField

from sched.forms import required
from sched.models import AGE_BAND_LABELS, AGE_BANDS

AGE_CHOICES = [("", "Non précisée")] + [(band, AGE_BAND_LABELS[band]) for band in AGE_BANDS]


class BookingForm(FlaskForm):
    regulation_ref = StringField(
        "Numéro de dossier de régulation",
        description="Obligatoire. Lettres, chiffres, « - » et « / » (40 caractères au plus).",
    )
    initials = StringField("Initiales du patient", description="Facultatif, 1 à 4 lettres (par exemple « JD »).")
    age_band = SelectField("Tranche d'âge", choices=AGE_CHOICES, default="", validate_choice=False)


class CancelForm(FlaskForm):
    reason = TextAreaField("Motif de l'annulation", validators=[required("Indiquez le motif de l'annulation.")])
