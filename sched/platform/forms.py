"""The platform's forms: a territory with its zone and holidays, its first administrator's invitation."""

from __future__ import annotations

import holidays
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, ValidationError
from wtforms.validators import Length

from sched.admin.forms import TerritoryBaseForm
from sched.forms import email_valid, required, strip

# The time zones of France's territories, the overseas ones included.
ZONES = [
    ("Europe/Paris", "Métropole, Corse (Europe/Paris)"),
    ("America/Guadeloupe", "Guadeloupe"),
    ("America/Martinique", "Martinique"),
    ("America/Cayenne", "Guyane"),
    ("Indian/Reunion", "La Réunion"),
    ("Indian/Mayotte", "Mayotte"),
    ("America/Miquelon", "Saint-Pierre-et-Miquelon"),
    ("America/St_Barthelemy", "Saint-Barthélemy"),
    ("America/Marigot", "Saint-Martin"),
    ("Pacific/Noumea", "Nouvelle-Calédonie"),
    ("Pacific/Tahiti", "Polynésie française"),
    ("Pacific/Wallis", "Wallis-et-Futuna"),
]


def subdivision_choices() -> list[tuple[str, str]]:
    """« Métropole » then each subdivision of the holidays library, named by its longest French alias."""
    names: dict[str, str] = {}
    for alias, code in holidays.France.subdivisions_aliases.items():
        if len(alias) > len(names.get(code, "")):
            names[code] = alias
    return [("", "Métropole (jours fériés nationaux)")] + [
        (code, f"{names.get(code, code)} ({code})") for code in holidays.France.subdivisions
    ]


class ListChoice(SelectField):
    """A select whose value outside the list is refused in French."""

    def pre_validate(self, form):
        if self.data not in {value for value, _label in self.choices or []}:
            raise ValidationError("Choisissez une valeur de la liste.")


class PlatformTerritoryForm(TerritoryBaseForm):
    timezone = ListChoice("Fuseau horaire", choices=ZONES, default="Europe/Paris")
    subdivision = ListChoice("Jours fériés", choices=subdivision_choices(), default="")
    department = StringField(
        "Département",
        validators=[Length(max=3)],
        filters=[strip],
        description="Ex. 57, 2A, 974. Laissé vide en outre-mer, il suit les jours fériés choisis.",
    )


class InviteAdminForm(FlaskForm):
    full_name = StringField("Nom complet", validators=[required(), Length(max=200)])
    email = EmailField("Adresse e-mail", validators=[required(), email_valid()], filters=[strip])
