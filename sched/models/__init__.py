"""The SQLAlchemy models, one module per aggregate; import them from here."""

from sched.models.base import Base, UTCDateTime, utcnow
from sched.models.bookings import AGE_BAND_LABELS, AGE_BANDS, ConsultationSlot, SlotBooking
from sched.models.counts import GardeCount
from sched.models.outbox import OutboxAttachment, OutboxEmail, OutboxSms
from sched.models.people import (
    GP,
    ROLE_LABELS,
    ROLES,
    TERRITORY_ROLES,
    Person,
    ShiftTemplate,
    Site,
    Territory,
    User,
    UserRole,
    gp_sites,
)
from sched.models.periods import (
    LEVELS,
    PERIOD_STATE_LABELS,
    PERIOD_STATES,
    Availability,
    AvailabilityAnswer,
    Period,
    Shift,
)
from sched.models.roster import (
    OFFER_STATES,
    SOLVE_STATES,
    Absence,
    Assignment,
    RosterVersion,
    SolveRequest,
    SwapRequest,
)
from sched.models.security import ApiToken, AuditEvent, AuthToken, FeedToken, JobRun

__all__ = [
    "AGE_BANDS",
    "AGE_BAND_LABELS",
    "GP",
    "LEVELS",
    "OFFER_STATES",
    "PERIOD_STATES",
    "PERIOD_STATE_LABELS",
    "ROLES",
    "TERRITORY_ROLES",
    "ROLE_LABELS",
    "SOLVE_STATES",
    "Absence",
    "ApiToken",
    "Assignment",
    "AuditEvent",
    "AuthToken",
    "Availability",
    "AvailabilityAnswer",
    "Base",
    "ConsultationSlot",
    "FeedToken",
    "GardeCount",
    "JobRun",
    "OutboxAttachment",
    "OutboxEmail",
    "OutboxSms",
    "Period",
    "RosterVersion",
    "Shift",
    "ShiftTemplate",
    "Site",
    "SlotBooking",
    "SolveRequest",
    "SwapRequest",
    "Territory",
    "Person",
    "User",
    "UserRole",
    "UTCDateTime",
    "gp_sites",
    "utcnow",
]
