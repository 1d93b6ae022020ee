"""The replacement market's clock: offers nobody took are escalated 72 h before their garde, past ones expire."""

from __future__ import annotations

from sched.jobs.runtime import claim, finish, in_context, slot_key
from sched.services import offers


@in_context
def escalate_offers() -> int | None:
    """Alert the coordination and text the eligible GPs once for each open offer whose garde starts within 72 h."""
    run = claim("escalate-offers", slot_key(600))
    if run is None:
        return None
    escalated = offers.escalate_due()
    finish(run)
    return escalated
