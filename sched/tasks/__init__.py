"""The task engine (Celery): the web, the scheduler and the CLI enqueue; `python -m sched worker` runs.

    engine.py   the Celery app of a Flask app: broker, queues, late acknowledgement, limits
    work.py     the tasks (`sched.solve`, `sched.job`) and the worker's process set-up
    enqueue.py  publishing a solve or a job (all the web workers and the scheduler ever do)

docs/architecture.md tells the whole design and why Celery.
"""

from sched.tasks.engine import celery_for, queue_name
from sched.tasks.enqueue import enqueue_job, enqueue_solve, requeue_lost_solves

__all__ = ["celery_for", "enqueue_job", "enqueue_solve", "queue_name", "requeue_lost_solves"]
