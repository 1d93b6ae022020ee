"""Form helpers shared by every blueprint: French messages for the common validators."""

from __future__ import annotations

from wtforms import DateField
from wtforms.validators import DataRequired, Email, Length, Optional  # noqa: F401

import sched.services.identity  # noqa: F401 (importing it lets the validator accept the demo's `.test` domain)

REQUIRED = "Ce champ est obligatoire."


def required(message: str = REQUIRED) -> DataRequired:
    return DataRequired(message=message)


def strip(value: str | None) -> str | None:
    """A filter: what was typed, without the spaces around it."""
    return value.strip() if isinstance(value, str) else value


def email_valid() -> Email:
    return Email(message="Adresse e-mail invalide.", check_deliverability=False)


class FrenchDateField(DateField):
    """A date field whose parse error is French (WTForms' own message is English)."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError("Date invalide : choisissez une date dans le calendrier (jj/mm/aaaa).") from None
