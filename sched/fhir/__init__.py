"""FHIR R4 server of the SAS « gestionnaire d'agenda CPTS » contract (docs/sas.md): read-only, token access."""

from flask import Blueprint

from sched.extensions import csrf

bp = Blueprint("fhir", __name__)
csrf.exempt(bp)

from sched.fhir import views  # noqa: E402,F401
