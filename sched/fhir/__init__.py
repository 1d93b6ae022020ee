"""FHIR R4 read-only view of the créneaux (Slot) and the cabinets de garde's agendas (Schedule)."""

from flask import Blueprint

from sched.api.auth import require_regulator_token
from sched.extensions import csrf

bp = Blueprint("fhir", __name__)
csrf.exempt(bp)
bp.before_request(require_regulator_token)

from sched.fhir import views  # noqa: E402,F401
