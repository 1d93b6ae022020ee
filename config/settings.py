"""Settings from the environment; nothing secret is a constant in the code."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("SNP_INSTANCE_DIR", ROOT / "instance"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def load_secret_key(instance_dir: Path = INSTANCE_DIR) -> str:
    """SECRET_KEY from the environment, else generated once into instance/secret_key (mode 600)."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = instance_dir / "secret_key"
    if not path.exists():
        instance_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def default_database_url() -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'snp.sqlite3'}"


class Config:
    """Settings read when the app is created; `create_app(test_config)` overrides any of them."""

    def __init__(self) -> None:
        self.SQLALCHEMY_DATABASE_URI = default_database_url()
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        self.BASE_URL = os.environ.get("SNP_BASE_URL", "http://127.0.0.1:5000")
        # Without SNP_BASE_URL, addresses shown on a page follow the address the page was served at (any PORT).
        self.BASE_URL_FIXED = bool(os.environ.get("SNP_BASE_URL"))
        # Cookies: Secure unless told otherwise (`make run` serves plain HTTP on loopback and says so).
        self.SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_NAME = "snp_session"
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        # The browser drops the cookie after this, and the server refuses any login older (sched/auth/sessions.py).
        self.REMEMBER_COOKIE_DURATION = timedelta(days=14)
        self.PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
        # Larger request bodies get a 413 before anything reads them (the GP import is the largest upload).
        self.MAX_CONTENT_LENGTH = env_int("MAX_CONTENT_LENGTH", 2 * 1024 * 1024)
        # One bound for a form's fields too (Flask's own default, 500 kB, would refuse an import's confirmation).
        self.MAX_FORM_MEMORY_SIZE = self.MAX_CONTENT_LENGTH
        # A GP may keep the availability page open a long time between patients.
        self.WTF_CSRF_TIME_LIMIT = None
        self.RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
        self.RATELIMIT_ENABLED = env_bool("RATELIMIT_ENABLED", True)
        # Counted separately: tries on one account from any address, and tries from one address on any account.
        self.LOGIN_ACCOUNT_RATE_LIMIT = os.environ.get("LOGIN_ACCOUNT_RATE_LIMIT", "10 per minute")
        self.LOGIN_ADDRESS_RATE_LIMIT = os.environ.get("LOGIN_ADDRESS_RATE_LIMIT", "30 per minute")
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are believed; 0: none, trust no header.
        self.PROXY_COUNT = env_int("PROXY_COUNT", 0)
        self.INVITATION_DAYS = env_int("INVITATION_DAYS", 7)
        self.RESET_HOURS = env_int("RESET_HOURS", 2)
        self.SMTP_HOST = os.environ.get("SMTP_HOST", "127.0.0.1")
        self.SMTP_PORT = env_int("SMTP_PORT", 25)
        self.SMTP_USER = os.environ.get("SMTP_USER", "")
        self.SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
        self.SMTP_STARTTLS = env_bool("SMTP_STARTTLS", False)
        self.MAIL_FROM = os.environ.get("MAIL_FROM", "planning-snp@cpts.invalid")
        # SMS: "log" writes them to the log (development); "ovh" sends them through OVHcloud's SMS API.
        self.SMS_BACKEND = os.environ.get("SMS_BACKEND", "log")
        self.SMS_SENDER = os.environ.get("SMS_SENDER", "")
        self.SMS_OVH_ENDPOINT = os.environ.get("SMS_OVH_ENDPOINT", "ovh-eu")
        self.SMS_OVH_APPLICATION_KEY = os.environ.get("SMS_OVH_APPLICATION_KEY", "")
        self.SMS_OVH_APPLICATION_SECRET = os.environ.get("SMS_OVH_APPLICATION_SECRET", "")
        self.SMS_OVH_CONSUMER_KEY = os.environ.get("SMS_OVH_CONSUMER_KEY", "")
        self.SMS_OVH_SERVICE_NAME = os.environ.get("SMS_OVH_SERVICE_NAME", "")
        self.SCHEDULER_ENABLED = env_bool("SCHEDULER_ENABLED", True)
        # The task engine (Celery, docs/architecture.md). No broker URL: a folder of instance/ (`make run`).
        self.TASK_BROKER_URL = os.environ.get("TASK_BROKER_URL", "")
        self.TASK_BROKER_FOLDER = os.environ.get("TASK_BROKER_FOLDER", str(INSTANCE_DIR / "broker"))
        self.TASK_QUEUE_PREFIX = os.environ.get("TASK_QUEUE_PREFIX", "snp")
        self.TASK_VISIBILITY_TIMEOUT = env_int("TASK_VISIBILITY_TIMEOUT", 300)
        self.TASK_SOLVE_LEASE = env_int("TASK_SOLVE_LEASE", 30)
        self.TASK_MAX_ATTEMPTS = env_int("TASK_MAX_ATTEMPTS", 3)
        self.TASK_MEMORY_LIMIT_MB = env_int("TASK_MEMORY_LIMIT_MB", 4096)
        # The optimiser: engine (None = the solver's default), CP-SAT workers, HiGHS for an undecided max-load cap.
        self.SOLVER_ENGINE = os.environ.get("SNP_SOLVER_ENGINE") or None
        self.SOLVER_WORKERS = env_int("SNP_SOLVER_WORKERS", 2)
        self.SOLVER_MILP = env_bool("SNP_SOLVER_MILP", True)
