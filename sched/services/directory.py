"""The GP directory: invite one GP, import a CSV (preview, then all or nothing), deactivate."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from sched.extensions import db
from sched.models import GP, OutboxEmail, Person, Site, Territory, User
from sched.services import accounts, audit
from sched.services.identity import address_problem, normalise_phone, rpps_problem

COLUMNS = ("nom", "prénom", "rpps", "e-mail", "téléphone", "sites")
ALIASES = {"prenom": "prénom", "email": "e-mail", "mail": "e-mail", "courriel": "e-mail", "telephone": "téléphone",
           "tel": "téléphone", "téléphone portable": "téléphone", "cabinets": "sites"}  # fmt: skip


class DirectoryError(ValueError):
    """A GP that cannot be created (French message), and the form field it is about."""

    def __init__(self, message: str, field: str = "email") -> None:
        super().__init__(message)
        self.field = field


@dataclass
class Row:
    line: int
    last_name: str = ""
    first_name: str = ""
    rpps: str = ""
    email: str = ""
    phone: str = ""
    site_names: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


NO_FILE = "Choisissez le fichier CSV à vérifier."
EMPTY_FILE = "Ce fichier est vide : il ne contient aucune ligne."
NOT_TEXT = "Ce fichier n'est pas un fichier CSV (texte) : enregistrez-le depuis le tableur au format « CSV »."


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with its BOM (Excel's « texte Unicode »), else Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise DirectoryError(NOT_TEXT) from None
    if b"\x00" in data:  # a spreadsheet, an image…: no text file holds NUL bytes
        raise DirectoryError(NOT_TEXT)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def parse(text: str, territory: Territory) -> list[Row]:
    """Every row of the file with its problems; nothing is written."""
    try:
        return parse_rows(text, territory)
    except csv.Error:  # a cell longer than the csv module's field limit (131 072 characters)…
        raise DirectoryError(
            "Fichier CSV illisible : une ligne est trop longue ou mal formée. Vérifiez le fichier et recommencez."
        ) from None


def parse_rows(text: str, territory: Territory) -> list[Row]:
    sample = text[:4096]
    sample = sample[: sample.rindex("\n")] if "\n" in sample else sample  # whole lines: a cut one misleads
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=";,\t") if text.strip() else csv.excel
    except csv.Error:  # one column, no delimiter to find: read as is, the header check says what is missing
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = next(reader, [])
    keys = [ALIASES.get(h.strip().lower(), h.strip().lower()) for h in header]
    missing = [c for c in COLUMNS if c not in keys]
    if not text.strip():
        raise DirectoryError(EMPTY_FILE)
    if missing:
        raise DirectoryError("Colonnes manquantes : " + ", ".join(missing) + ". Attendu : " + " ; ".join(COLUMNS))
    sites = {s.name.lower(): s for s in territory.sites}
    # Someone with an account in another CPTS joins this one with the same address and RPPS; within the territory
    # both stay unique, and an RPPS stays one person's across the platform.
    emails = set(db.session.scalars(select(Person.email).join(User.person).where(User.territory_id == territory.id)))
    rpps_owner = dict(db.session.execute(select(GP.rpps, Person.email).join(GP.user).join(User.person)).tuples().all())
    person_rpps = {email: rpps for rpps, email in rpps_owner.items()}
    rpps_here = set(db.session.scalars(select(GP.rpps).join(GP.user).where(User.territory_id == territory.id)))
    seen_emails: set[str] = set()
    seen_rpps: set[str] = set()
    rows = []
    for number, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        data = dict(zip(keys, (v.strip() for v in values), strict=False))
        row = Row(number, data.get("nom", ""), data.get("prénom", ""), data.get("rpps", ""),
                  accounts.normalise_email(data.get("e-mail", "")), data.get("téléphone", ""),
                  [n.strip() for n in data.get("sites", "").replace(",", "|").split("|") if n.strip()])  # fmt: skip
        if not row.last_name or not row.first_name:
            row.problems.append("nom ou prénom manquant")
        if problem := rpps_problem(row.rpps):
            row.problems.append(problem)
        elif row.rpps in rpps_here or row.rpps in seen_rpps:
            row.problems.append("RPPS déjà présent")
        elif rpps_owner.get(row.rpps, row.email) != row.email:
            row.problems.append("RPPS d'un autre médecin de la plateforme")
        elif person_rpps.get(row.email, row.rpps) != row.rpps:
            row.problems.append(f"{row.email} est inscrit avec le RPPS {person_rpps[row.email]} dans une autre CPTS")
        if address_problem(row.email):
            row.problems.append(f"adresse e-mail invalide : « {row.email} »" if row.email else "e-mail manquant")
        elif row.email in emails or row.email in seen_emails:
            row.problems.append(f"adresse e-mail en double : {row.email}")
        try:
            row.phone = normalise_phone(row.phone)
        except ValueError:
            row.problems.append(f"téléphone invalide : {row.phone or '(vide)'}")
        for name in row.site_names:
            if name.lower() not in sites:
                row.problems.append(f"cabinet de garde inconnu : {name}")
        seen_emails.add(row.email)
        seen_rpps.add(row.rpps)
        rows.append(row)
    return rows


def create_gp(territory: Territory, full_name: str, email: str, rpps: str, phone: str, sites: list[Site]) -> GP:
    """Create the account, the GP profile and queue the invitation e-mail (caller commits)."""
    try:
        if problem := accounts.rpps_problem_for(rpps, email):
            raise DirectoryError(problem, "rpps")
        user = accounts.create_user(email, full_name, ["gp"], None, territory)
    except accounts.AccountError as error:
        raise DirectoryError(str(error)) from None
    gp = GP(user=user, rpps=rpps, phone=phone, sites=sites)
    db.session.add(gp)
    db.session.flush()
    accounts.send_invitation(user)
    audit.record("gp.create", "gp", gp.id, rpps=rpps, email=email)
    return gp


def import_rows(territory: Territory, rows: list[Row]) -> int:
    """Create every GP of a clean file; refuses the whole file when one row has a problem."""
    if not rows or any(r.problems for r in rows):
        raise DirectoryError("Le fichier contient des erreurs : rien n'a été importé.")
    sites = {s.name.lower(): s for s in territory.sites}
    for row in rows:
        create_gp(territory, row.full_name, row.email, row.rpps, row.phone, [sites[n.lower()] for n in row.site_names])
    audit.record("gp.import", "territory", territory.id, count=len(rows))
    return len(rows)


def set_active(gp: GP, active: bool) -> None:
    """Deactivate (or reactivate) a GP: their history and past plannings stay."""
    gp.active = active
    audit.record("gp.activate" if active else "gp.deactivate", "gp", gp.id)


@dataclass
class Invitation:
    """Where a GP's account stands: « actif » once they set a password, else the fate of their invitation."""

    state: str  # active · queued · sent · failed · none
    at: datetime | None = None
    error: str = ""

    @property
    def label(self) -> str:
        return {"active": "actif", "queued": "invité", "sent": "invité", "failed": "invité", "none": "invité"}[
            self.state
        ]


def invitation(gp: GP) -> Invitation:
    """The latest invitation e-mail of a GP who has not chosen a password yet: waiting, sent, or failed (why)."""
    if gp.user.password_hash:
        return Invitation("active")
    row = db.session.scalar(
        select(OutboxEmail)
        .where(OutboxEmail.kind == "invitation", OutboxEmail.to_addr == gp.user.email)
        .order_by(OutboxEmail.id.desc()).limit(1)
    )  # fmt: skip
    if row is None:
        return Invitation("none")
    if row.sent_at is not None:
        return Invitation("sent", row.sent_at)
    if row.failed_at is not None:
        return Invitation("failed", row.failed_at, failure_fr(row.last_error))
    return Invitation("queued", row.created_at, failure_fr(row.last_error) if row.last_error else "")


def failure_fr(error: str | None) -> str:
    """An SMTP failure in a coordinator's words (the technical detail stays in the server log)."""
    text = (error or "").lower()
    if "recipient" in text or "550" in text or "553" in text or "address" in text:
        return "le serveur de messagerie refuse cette adresse"
    if "connection" in text or "timed out" in text or "refused" in text:
        return "le serveur de messagerie ne répond pas"
    return "le message n'a pas pu partir"


def directory(territory: Territory) -> list[GP]:
    return list(
        db.session.scalars(
            select(GP).join(GP.user).where(User.territory_id == territory.id).order_by(func.lower(User.full_name))
        )
    )
