"""The scheduler's jobs (sched/scheduler.py enqueues them, a worker runs them). Each opens its own app context and
takes a lock row in job_runs first (runtime.py); the queries they need are services'.

    mail.py        the outbox, the day-before reminders, the regulators' 17:00 list
    collection.py  availability reminders, the close of the collection
    upkeep.py      solves a broker may have lost, forgetting old lock rows
    market.py      offers of gardes nobody took: escalation 72 h before, expiry
    reports.py     end-of-garde count reminders, last month's report to the ARS
"""

from sched.jobs.collection import availability_reminders, close_collection
from sched.jobs.mail import flush_outbox, regulators_list, shift_reminders
from sched.jobs.market import escalate_offers
from sched.jobs.reports import garde_count_reminders, monthly_report
from sched.jobs.runtime import claim, get_app, in_context, slot_key, use_app
from sched.jobs.upkeep import cleanup_job_runs, requeue_solves

__all__ = [
    "availability_reminders",
    "claim",
    "cleanup_job_runs",
    "close_collection",
    "escalate_offers",
    "flush_outbox",
    "garde_count_reminders",
    "get_app",
    "in_context",
    "monthly_report",
    "regulators_list",
    "requeue_solves",
    "shift_reminders",
    "slot_key",
    "use_app",
]
