"""The audit log as the coordination reads it: each event in plain French, with names and dates, filtered.

audit.record stores codes and ids (`roster.assign`, shift=173, gp=5); this module words them once, for the page
and its CSV export. An action without a wording here still shows, under its generic label, never as raw code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from sched.extensions import db
from sched.i18n import date_fr, datetime_fr, local, time_fr, zone
from sched.models import (
    GP,
    Absence,
    AuditEvent,
    Period,
    RosterVersion,
    Shift,
    ShiftTemplate,
    Site,
    SlotBooking,
    SwapRequest,
    Territory,
    User,
)

LIMIT = 300
LOGIN = "user.login"

# code → (label of the action, sentence with {placeholders} read from the object and the details)
ACTIONS: dict[str, tuple[str, str]] = {
    "user.login": ("Connexion", "Connexion de {actor} au planning."),
    "user.create": ("Compte créé", "Compte de {object} ({email})."),
    "user.invite": ("Invitation envoyée", "Invitation à {object}."),
    "user.update": ("Compte modifié", "Compte de {object}."),
    "user.contact_change": ("Coordonnées modifiées", "Coordonnées de {object}."),
    "user.password_change": ("Mot de passe changé", "Mot de passe de {object}."),
    "user.reset_request": ("Mot de passe oublié", "Lien de réinitialisation demandé pour {object}."),
    "gp.create": ("Médecin ajouté", "{object} ({email})."),
    "gp.import": ("Import de médecins", "{count} médecins importés d'un fichier."),
    "gp.activate": ("Médecin réactivé", "{object}."),
    "gp.deactivate": ("Médecin désactivé", "{object}."),
    "gp.defaults_change": ("Limites du médecin modifiées", "Limites habituelles de {object}."),
    "answer.limit": ("Limite relevée", "{object} : {limit} relevé à {value} pour {period}."),
    "availability.save": ("Disponibilités envoyées", "Réponse de {object}."),
    "availability.enter": ("Disponibilités saisies", "Réponse de {object}, saisie par la coordination."),
    "site.create": ("Cabinet de garde créé", "{object}."),
    "site.update": ("Cabinet de garde modifié", "{object}."),
    "template.create": ("Modèle de garde ajouté", "{object}."),
    "template.toggle": ("Modèle de garde activé ou désactivé", "{object} : {active}."),
    "period.create": ("Période créée", "{object} : {shifts} gardes."),
    "period.open": ("Recueil ouvert", "{object} : réponses attendues avant le {deadline}."),
    "period.reopen": ("Recueil rouvert", "{object} : nouvelle date limite le {deadline}."),
    "period.collection_closed": ("Recueil clos", "{object} : {answered} réponses sur {total} médecins."),
    "shift.close": ("Garde fermée", "{object}."),
    "shift.reopen": ("Garde rouverte", "{object}."),
    "shift.staffing": ("Effectifs modifiés", "{object} : {shift_count} ; minimum {min}, cible {target}."),
    "solve.request": ("Optimisation demandée", "{object} (au plus {time_limit_s} s)."),
    "solve.done": ("Optimisation terminée", "{object} : {status}."),
    "solve.failed": ("Échec de l'optimisation", "{object} : {error}"),
    "solve.reclaimed": ("Optimisation interrompue", "{object} : l'optimisation s'est arrêtée sans résultat."),
    "roster.draft": ("Version de travail créée", "{object}."),
    "roster.assign": ("Médecin affecté", "{gp} sur la {shift}{pinned}{override_reason}."),
    "roster.remove": ("Médecin retiré", "Retrait de {gp} de la {shift}{withdrawal}."),
    "roster.pin": ("Épingle", "{gp} sur la {shift} : {pin_state}."),
    "roster.publish": ("Planning publié", "{object}."),
    "roster.replace": ("Remplacement", "{object} : {changes}."),
    "offer.create": ("Garde proposée", "{object}."),
    "offer.take": ("Garde prise par un confrère", "{object} : prise par {gp}."),
    "offer.approve": ("Remplacement validé", "{object} (version {version})."),
    "offer.refuse": ("Remplacement refusé", "{object}."),
    "offer.cancel": ("Proposition retirée", "{object}."),
    "offer.escalate": ("Garde urgente signalée", "{object} : {eligible} médecins peuvent la prendre."),
    "swap.create": ("Échange proposé", "{object}."),
    "swap.accept": ("Échange accepté", "{object}."),
    "swap.decline": ("Échange refusé", "{object}."),
    "absence.create": ("Absence déclarée", "{object}."),
    "absence.delete": ("Absence retirée", "{object}."),
    "booking.create": ("Créneau réservé", "{object}."),
    "booking.cancel": ("Réservation annulée", "{object}."),
    "booking.move": ("Réservation déplacée", "{object}."),
    "booking.orphaned": ("Réservations sans médecin", "{object}."),
    "feed.regenerate": ("Adresse d'agenda renouvelée", "{object}."),
    "api_token.create": ("Jeton d'accès créé", "{name}."),
    "api_token.revoke": ("Jeton d'accès révoqué", "Jeton n° {object_id}."),
}
LIMIT_WORDS = {
    "max_shifts": "le maximum de gardes sur la période",
    "max_per_week": "le maximum par semaine",
    "max_saturdays": "le maximum de samedis",
}
STATUS_WORDS = {"optimal": "meilleur planning possible (prouvé)", "feasible": "planning trouvé (optimum non prouvé)"}


def action_label(code: str) -> str:
    return ACTIONS.get(code, ("Autre modification", ""))[0]


@dataclass
class Filters:
    actor_id: int | None = None
    action: str | None = None
    start: date | None = None
    end: date | None = None
    logins: bool = False


@dataclass
class Line:
    at: datetime
    who: str
    action: str
    what: str


class Words:
    """Names of the objects an event points at (one query per object, remembered for the page)."""

    def __init__(self) -> None:
        self.cache: dict[tuple[type, Any], Any] = {}

    def get(self, model: type, key: Any) -> Any:
        try:
            key = int(key)
        except (TypeError, ValueError):
            return None
        if (model, key) not in self.cache:
            self.cache[(model, key)] = db.session.get(model, key)
        return self.cache[(model, key)]

    def shift(self, key: Any) -> str:
        shift = self.get(Shift, key)
        if shift is None:
            return "garde supprimée"
        hours = f"{time_fr(shift.start_time)} – {time_fr(shift.end_time)}"
        return f"garde du {date_fr(shift.date)}, {hours} ({shift.site.name})"

    def gp(self, key: Any) -> str:
        gp = self.get(GP, key)
        return gp.name if gp is not None else "médecin supprimé"

    def period(self, key: Any) -> str:
        period = self.get(Period, key)
        return f"période {period.name}" if period is not None else "période supprimée"

    def object(self, kind: str, key: Any) -> str:
        """The event's object in words: « version 2 du planning de mars 2027 », « Dr Martin »…"""
        if kind == "user":
            user = self.get(User, key)
            return user.full_name if user is not None else "compte supprimé"
        if kind == "gp":
            return self.gp(key)
        if kind == "period":
            return self.period(key).capitalize()
        if kind == "shift":
            return self.shift(key).capitalize()
        if kind == "roster_version":
            version = self.get(RosterVersion, key)
            if version is None:
                return "Version supprimée"
            return f"Version {version.number} du planning de {version.period.name}"
        if kind == "site":
            site = self.get(Site, key)
            return site.name if site is not None else "Cabinet supprimé"
        if kind == "shift_template":
            template = self.get(ShiftTemplate, key)
            return f"« {template.label} » ({template.site.name})" if template is not None else "Modèle supprimé"
        if kind == "swap_request":
            request = self.get(SwapRequest, key)
            if request is None:
                return "Demande supprimée"
            return f"{self.shift(request.shift_id).capitalize()}, de {request.from_gp.name}"
        if kind == "absence":
            absence = self.get(Absence, key)
            if absence is None:
                return "Absence supprimée"
            return f"{absence.gp.name}, du {date_fr(absence.start_date)} au {date_fr(absence.end_date)}"
        if kind == "slot_booking":
            booking = self.get(SlotBooking, key)
            if booking is None:
                return "Réservation supprimée"
            starts = local(booking.slot.starts_at)
            return f"Créneau du {date_fr(starts)} à {time_fr(starts)} ({booking.slot.shift.site.name})"
        if kind == "territory":
            territory = self.get(Territory, key)
            return territory.name if territory is not None else ""
        if kind == "availability_answer":
            return "Réponse aux disponibilités"
        return ""


def deadline_fr(value: Any) -> str:
    try:
        return datetime_fr(datetime.fromisoformat(str(value)))
    except ValueError:
        return str(value)


def describe(event: AuditEvent, words: Words) -> str:
    """The event's sentence, names and dates in full."""
    details = dict(event.details or {})
    template = ACTIONS.get(event.action, ("", "{object}"))[1]
    values: dict[str, Any] = {k: v for k, v in details.items() if isinstance(v, str | int | float)}
    values.update(
        actor=event.actor.full_name if event.actor else "Le système",
        object=words.object(event.object_type, event.object_id) if event.object_id else "",
        object_id=event.object_id or "",
        email=details.get("email", ""),
    )
    if "shift" in details:
        values["shift"] = words.shift(details["shift"])
    if "gp" in details:
        values["gp"] = words.gp(details["gp"])
    if "period" in details:
        values["period"] = words.period(details["period"])
    if "deadline" in details:
        values["deadline"] = deadline_fr(details["deadline"])
    values["limit"] = LIMIT_WORDS.get(details.get("limit"), "la limite")
    values["status"] = STATUS_WORDS.get(details.get("status"), "planning trouvé")
    values["active"] = "activé" if details.get("active") else "désactivé"
    values["pinned"] = ", épinglée" if details.get("pinned") else ""
    values["pin_state"] = "épinglée" if details.get("pinned") else "désépinglée"
    values["withdrawal"] = " (désistement : marqué indisponible)" if details.get("withdrawal") else ""
    reason = details.get("override_reason")
    values["override_reason"] = f", par dérogation : « {reason} »" if reason else ""
    shifts = details.get("shifts")
    if isinstance(shifts, list):
        values["shift_count"] = "1 garde" if len(shifts) == 1 else f"{len(shifts)} gardes"
    if isinstance(details.get("changes"), list):
        parts = []
        for change in details["changes"]:
            shift, leaving, coming = (list(change) + [None, None, None])[:3]
            who = (
                f"{words.gp(coming)} remplace {words.gp(leaving)}" if coming
                else f"retrait de {words.gp(leaving)}, sans remplaçant"
            )  # fmt: skip
            parts.append(f"{words.shift(shift)} : {who}")
        values["changes"] = " ; ".join(parts)
    return template.format_map(Blank(values)).strip()


class Blank(dict):
    """format_map's mapping: a detail an older event lacks reads as nothing, never as a KeyError."""

    def __missing__(self, key: str) -> str:
        return ""


def query(territory_id: int, filters: Filters):
    """The territory's events, newest first, with the filters applied (logins left out unless asked for)."""
    stmt = (
        select(AuditEvent).join(User, User.id == AuditEvent.actor_id)
        .where(User.territory_id == territory_id)
        .options(joinedload(AuditEvent.actor)).order_by(AuditEvent.id.desc())
    )  # fmt: skip
    if filters.actor_id:
        stmt = stmt.where(AuditEvent.actor_id == filters.actor_id)
    if filters.action:
        stmt = stmt.where(AuditEvent.action == filters.action)
    elif not filters.logins:
        stmt = stmt.where(AuditEvent.action != LOGIN)
    tz = zone()
    if filters.start:
        stmt = stmt.where(AuditEvent.at >= datetime.combine(filters.start, time(0), tz))
    if filters.end:
        stmt = stmt.where(AuditEvent.at < datetime.combine(filters.end + timedelta(days=1), time(0), tz))
    return stmt


def lines(territory_id: int, filters: Filters, limit: int | None = LIMIT) -> list[Line]:
    stmt = query(territory_id, filters)
    if limit is not None:
        stmt = stmt.limit(limit)
    words = Words()
    return [
        Line(e.at, e.actor.full_name if e.actor else "Le système", action_label(e.action), describe(e, words))
        for e in db.session.scalars(stmt).unique()
    ]


def actors(territory_id: int) -> list[User]:
    """The people of the territory who appear in the log (the « personne » filter)."""
    ids = select(AuditEvent.actor_id).distinct()
    return list(
        db.session.scalars(
            select(User).where(User.territory_id == territory_id, User.id.in_(ids)).order_by(User.full_name)
        )
    )
