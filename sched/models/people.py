"""Accounts, roles, territories, duty centres and GP profiles."""

from __future__ import annotations

from datetime import datetime, time

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    exists,
    false,
    select,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from sqlalchemy.sql.expression import ColumnElement, Exists

from sched.models.base import Base, utcnow

ROLES = ("gp", "coordinator", "regulator", "admin", "platform")
TERRITORY_ROLES = ROLES[:4]  # what a territory's administrator may give; `platform` runs the instance's territories
DEFAULT_TIMEZONE = "Europe/Paris"  # a new territory's; afterwards each territory's own column is the source
ROLE_LABELS = {
    "gp": "Médecin",
    "coordinator": "Coordination de la CPTS",
    "regulator": "Régulation (centre 15)",
    "admin": "Administration",
    "platform": "Administration de la plateforme",
}


class Territory(Base):
    """The CPTS: its zone, its department (for the Alsace-Moselle holidays), its settings."""

    __tablename__ = "territories"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    department: Mapped[str] = mapped_column(String(3))
    timezone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIMEZONE)
    # The `holidays` library's French subdivision (974 for Réunion, 6AE for Alsace…); None: metropolitan
    # holidays, with Alsace-Moselle's read from the department (territories created before the column).
    subdivision: Mapped[str | None] = mapped_column(String(8))
    regulators_email: Mapped[str | None] = mapped_column(String(254))
    coordination_email: Mapped[str | None] = mapped_column(String(254))
    auto_approve_swaps: Mapped[bool] = mapped_column(Boolean, default=False)
    # The CPTS's FINESS number (9 digits, the last a Luhn key); the SAS platform reads it as `1` + FINESS.
    finess: Mapped[str | None] = mapped_column(String(9))
    # The ARS that funds the extended hours: its address receives the monthly activity report.
    ars_email: Mapped[str | None] = mapped_column(String(254))
    # The duty hours per month the ARS funds (the dashboard draws the hours opened against it).
    funded_hours_month: Mapped[int | None] = mapped_column(Integer)
    sites: Mapped[list[Site]] = relationship(back_populates="territory", order_by="Site.name")

    @validates("regulators_email", "coordination_email", "ars_email")
    def check_email(self, key: str, value: str | None) -> str | None:
        """These addresses go into e-mail headers: a bad one (a line break) would fail every list sent to it."""
        from sched.services.identity import address_problem  # the models stay importable without the services

        if value is None or value == "":
            return None
        value = value.strip().lower()
        if problem := address_problem(value):
            raise ValueError(problem)
        return value


class Person(Base):
    """Whoever logs in: one e-mail address and one password, whatever the number of CPTS they work with.

    Each CPTS a person works with holds an account of its own (`User`: its roles, its GP profile, its activation);
    a session is always one of those accounts, and the person switches between them (sched/auth/views.py)."""

    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    accounts: Mapped[list[User]] = relationship(back_populates="person", order_by="User.id")

    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lowercase"),)


class User(UserMixin, Base):
    """A person's account in one territory (none for the platform's administrators)."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    territory_id: Mapped[int | None] = mapped_column(ForeignKey("territories.id"))
    full_name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Part of every session and remember-me cookie: raising it ends them all (sched/auth/sessions.py).
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    person: Mapped[Person] = relationship(back_populates="accounts", lazy="joined")
    roles: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    territory: Mapped[Territory | None] = relationship()
    gp: Mapped[GP | None] = relationship(back_populates="user", uselist=False)

    __table_args__ = (UniqueConstraint("person_id", "territory_id"),)  # one account per person and CPTS

    @hybrid_property
    def email(self) -> str:
        """The person's login address; in a WHERE clause `User.email == …` reads it from `people` (select
        Person.email to list addresses: `select(User.email)` alone has no `users` to correlate with)."""
        return self.person.email

    @email.inplace.setter
    def _email_setter(self, value: str) -> None:
        self._own_person().email = value

    @email.inplace.expression
    @classmethod
    def _email_expression(cls) -> ColumnElement[str]:
        return select(Person.email).where(Person.id == cls.person_id).scalar_subquery()

    @property
    def password_hash(self) -> str | None:
        return self.person.password_hash

    @password_hash.setter
    def password_hash(self, value: str | None) -> None:
        self._own_person().password_hash = value

    def _own_person(self) -> Person:
        if self.person is None:  # a new account: User(email=…) starts a new person
            self.person = Person()
        return self.person

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def get_id(self) -> str:
        """Flask-Login's alternative token: id, session version and login time (see sched/auth/sessions.py)."""
        issued = self.__dict__.get("login_issued") or int(utcnow().timestamp())
        return f"{self.id}.{self.session_version}.{issued}"

    def end_sessions(self) -> None:
        """Every session and remember-me cookie issued so far is refused from now on."""
        self.session_version += 1

    def end_person_sessions(self) -> None:
        """The same for every account of the person (their password changed: it opens them all)."""
        for account in self.person.accounts:
            account.end_sessions()

    def sibling_accounts(self) -> list[User]:
        """The person's other active accounts, one per CPTS they work with (or the platform)."""
        return [a for a in self.person.accounts if a.id != self.id and a.active]

    @property
    def role_names(self) -> list[str]:
        return sorted((r.role for r in self.roles), key=ROLES.index)

    def has_role(self, *roles: str) -> bool:
        return any(r.role in roles for r in self.roles)


class UserRole(Base):
    __tablename__ = "user_roles"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    __table_args__ = (
        CheckConstraint("role IN ('gp', 'coordinator', 'regulator', 'admin', 'platform')", name="role_known"),
    )


def has_role_sql(role: str) -> Exists:
    """EXISTS: the query's `users` row has `role` (for queries that select columns, not User objects)."""
    return exists().where(UserRole.user_id == User.id, UserRole.role == role)


class Site(Base):
    """A cabinet de garde."""

    __tablename__ = "sites"
    id: Mapped[int] = mapped_column(primary_key=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id"))
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300))
    postal_code: Mapped[str] = mapped_column(String(10))
    city: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(20))  # E.164, the number regulators call
    rooms: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The SAS platform: its créneaux are always CPTS and SNP; the coordination may open them to PUBLIC / PRO too.
    sas_public: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    sas_pro: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    territory: Mapped[Territory] = relationship(back_populates="sites")
    templates: Mapped[list[ShiftTemplate]] = relationship(back_populates="site", cascade="all, delete-orphan")
    __table_args__ = (
        UniqueConstraint("territory_id", "name"),
        CheckConstraint("rooms >= 1", name="rooms_positive"),
    )

    @property
    def full_address(self) -> str:
        return f"{self.address}, {self.postal_code} {self.city}"


class ShiftTemplate(Base):
    """A recurring garde at a site: weekdays (bit 0 = Monday), local hours, staffing, slot length."""

    __tablename__ = "shift_templates"
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(100))
    weekday_mask: Mapped[int] = mapped_column(Integer)
    start_time: Mapped[time]
    end_time: Mapped[time]
    min_gps: Mapped[int] = mapped_column(Integer, default=1)
    target_gps: Mapped[int] = mapped_column(Integer, default=1)
    priority: Mapped[int] = mapped_column(Integer, default=1)
    slot_minutes: Mapped[int] = mapped_column(Integer, default=20)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    site: Mapped[Site] = relationship(back_populates="templates")
    __table_args__ = (
        CheckConstraint("weekday_mask BETWEEN 1 AND 127", name="weekdays_valid"),
        CheckConstraint("end_time > start_time", name="end_after_start"),
        CheckConstraint("min_gps >= 0", name="min_not_negative"),
        CheckConstraint("target_gps >= min_gps", name="target_at_least_min"),
        CheckConstraint("priority >= 1", name="priority_positive"),
        CheckConstraint("slot_minutes BETWEEN 5 AND 240", name="slot_length_valid"),
    )

    def weekdays(self) -> list[int]:
        return [d for d in range(7) if self.weekday_mask & (1 << d)]


gp_sites = Table(
    "gp_sites",
    Base.metadata,
    Column("gp_id", ForeignKey("gps.id", ondelete="CASCADE"), primary_key=True),
    Column("site_id", ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True),
)


class GP(Base):
    """A médecin généraliste's profile: RPPS, phone, default limits, sites, history."""

    __tablename__ = "gps"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    # The person's national number: the same in each CPTS they work with (sched/services/accounts.py checks that
    # no two people share one), so unique only within a territory, where a person has one account.
    rpps: Mapped[str] = mapped_column(String(11))
    phone: Mapped[str | None] = mapped_column(String(20))  # E.164
    max_shifts: Mapped[int | None] = mapped_column(Integer)
    max_per_week: Mapped[int | None] = mapped_column(Integer)
    max_saturdays: Mapped[int | None] = mapped_column(Integer)
    history_minutes: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str | None] = mapped_column(Text)
    sms_opt_in: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    user: Mapped[User] = relationship(back_populates="gp")
    sites: Mapped[list[Site]] = relationship(secondary=gp_sites, order_by="Site.name")
    __table_args__ = (
        CheckConstraint("length(rpps) = 11", name="rpps_length"),
        CheckConstraint("history_minutes >= 0", name="history_not_negative"),
        CheckConstraint("max_shifts IS NULL OR max_shifts >= 0", name="max_shifts_valid"),
        CheckConstraint("max_per_week IS NULL OR max_per_week >= 0", name="max_per_week_valid"),
        CheckConstraint("max_saturdays IS NULL OR max_saturdays >= 0", name="max_saturdays_valid"),
    )

    @property
    def name(self) -> str:
        return self.user.full_name
