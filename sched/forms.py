"""Form helpers shared by every blueprint: French messages for the common validators."""

from __future__ import annotations

import email_validator
from wtforms import DateField
from wtforms.validators import DataRequired, Email, Length, Optional  # noqa: F401

# The demo accounts live under the reserved `.test` domain (README); email_validator refuses special-use
# domains by default. `.test` never resolves, so accepting its syntax cannot deliver mail anywhere.
if "test" in email_validator.SPECIAL_USE_DOMAIN_NAMES:
    email_validator.SPECIAL_USE_DOMAIN_NAMES.remove("test")

REQUIRED = "Ce champ est obligatoire."


def required(message: str = REQUIRED) -> DataRequired:
    return DataRequired(message=message)


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
