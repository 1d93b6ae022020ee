"""The Celery app of a Flask app: one per Flask app, configured from its settings (config/settings.py)."""

from __future__ import annotations

from pathlib import Path

from celery import Celery
from flask import Flask
from kombu import Exchange, Queue

QUEUES = ("solves", "jobs")


def queue_name(app: Flask, kind: str) -> str:
    """`<TASK_QUEUE_PREFIX>-solves` or `-jobs`: a test run's own prefix keeps it apart from anyone else's."""
    return f"{app.config['TASK_QUEUE_PREFIX']}-{kind}"


def broker_settings(app: Flask) -> tuple[str, dict]:
    """The broker URL and its transport options; no TASK_BROKER_URL: kombu's folder transport (`make run`)."""
    url = app.config["TASK_BROKER_URL"]
    if not url:
        folder = Path(app.config["TASK_BROKER_FOLDER"])
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Everything inside the folder, the exchange tables too (kombu's default is ./control, in the checkout).
        return "filesystem://localhost//", {
            "data_folder_in": str(folder),
            "data_folder_out": str(folder),
            "control_folder": str(folder / "control"),
        }
    options: dict = {}
    if url.startswith(("redis://", "rediss://")):
        # A dead worker's unacknowledged message is delivered again after the visibility timeout; each worker
        # looks for such messages every 10 s (kombu's default looks only every 100 s).
        options = {
            "visibility_timeout": app.config["TASK_VISIBILITY_TIMEOUT"],
            "unacked_restore_interval": 10,
            "unacked_restore_throttle": 1,
            "global_keyprefix": f"{app.config['TASK_QUEUE_PREFIX']}:",
        }
    return url, options


def celery_for(app: Flask) -> Celery:
    """The app's Celery (created once, kept in app.extensions); its tasks are registered by sched.tasks.work."""
    if "celery" in app.extensions:
        return app.extensions["celery"]
    from sched.tasks import work

    url, options = broker_settings(app)
    celery = Celery("sched", broker=url, set_as_current=False)
    queues = [Queue(queue_name(app, kind), Exchange(queue_name(app, kind)), routing_key=queue_name(app, kind))
              for kind in QUEUES]  # fmt: skip
    memory_kib = app.config["TASK_MEMORY_LIMIT_MB"] * 1024
    celery.conf.update(
        broker_transport_options=options,
        broker_connection_timeout=5,
        broker_connection_retry_on_startup=True,
        task_queues=queues,
        task_default_queue=queue_name(app, "jobs"),
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,  # results are in the database
        # A task is acknowledged when it is over: a worker that dies with it leaves it to another worker.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_max_memory_per_child=memory_kib or None,
        # Nothing broadcast between workers: a broker shared with other runs stays quiet and isolated.
        worker_enable_remote_control=False,
        worker_send_task_events=False,
        task_send_sent_event=False,
        worker_hijack_root_logger=False,
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5},
    )
    work.register(celery, app)
    app.extensions["celery"] = celery
    return celery
