"""The SAS « gestionnaire d'agenda CPTS » resources, built from plain values (no Flask, no database).

Every URL, system and code below is read from the ANS guide `ansforge/IG-fhir-service-acces-aux-soins`
(`input/fsh/`); docs/sas.md cites the file of each one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

FHIR_VERSION = "4.0.1"
FHIR_JSON = "application/fhir+json"

IG = "https://interop.esante.gouv.fr/ig/fhir/sas"
SLOT_PROFILE = f"{IG}/StructureDefinition/sas-cpts-slot-aggregator"
SCHEDULE_PROFILE = f"{IG}/StructureDefinition/sas-schedule-aggregator"
PRACTITIONER_PROFILE = f"{IG}/StructureDefinition/sas-practitioner-aggregator"
HEALTHCARE_SERVICE_PROFILE = f"{IG}/StructureDefinition/sas-cpts-healthcareservice-aggregator"
ORGANIZATION_PROFILE = f"{IG}/StructureDefinition/sas-cpts-organization-aggregator"
SLOT_START_PARAMETER = f"{IG}/SearchParameter/slot-sp-start"

# meta.security of a Slot: value set sas-cpts-valueset-typecreneau (TRE-R314).
TYPE_CRENEAU = "https://mos.esante.gouv.fr/NOS/TRE_R314-TypeCreneau/FHIR/TRE-R314-TypeCreneau"
TYPE_CRENEAU_LABELS = {
    "PUBLIC": "Créneau accessible par le grand public",
    "SNP": "Créneau accessible par les Régulateurs et Organisateurs de Soins Non Programmés",
    "PRO": "Créneau accessible par les professionnels de santé",
    "CPTS": "Créneau accessible par les CPTS",
}
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CATEGORIE_ETABLISSEMENT = (
    "https://mos.esante.gouv.fr/NOS/TRE_R66-CategorieEtablissement/FHIR/TRE-R66-CategorieEtablissement"
)
CPTS_CATEGORY = "604"
# The guide's alias $servicetype-r5 (aliases.fsh): the R5 Slot.serviceType reference, as an R4 extension.
SERVICE_TYPE_EXTENSION = "http://hl7.org/fhir/5.0/StructureDefinition/extension-Slot.serviceType"
SPECIALITE_ORDINALE = "https://mos.esante.gouv.fr/NOS/TRE_R38-SpecialiteOrdinale/FHIR/TRE-R38-SpecialiteOrdinale"
GENERAL_PRACTICE = "SM54"
APPOINTMENT_REASON = "http://terminology.hl7.org/CodeSystem/v2-0276"

# Identifiers (FR Core 1.1.0 systems, the ones the guide's CPTS use case is built on).
RPPS_SYSTEM = "urn:oid:1.2.250.1.71.4.2.1"  # value: 8 + the 11-digit RPPS number
FINESS_SYSTEM = "urn:oid:1.2.250.1.71.4.2.2"  # value: 1 + the 9-digit FINESS number
FR_V2_0203 = "http://interopsante.org/fhir/CodeSystem/fr-v2-0203"
FR_LOCATION_IDENTIFIER_TYPE = "http://interopsante.org/fhir/CodeSystem/fr-location-identifier-type"


@dataclass(frozen=True)
class SlotData:
    id: int
    site_id: int
    gp_id: int
    starts_at: datetime  # aware, in the territory's zone
    ends_at: datetime
    free: bool
    public: bool  # the site's créneaux are also PUBLIC / PRO on the SAS
    pro: bool
    booking_url: str


@dataclass(frozen=True)
class GPData:
    id: int
    full_name: str
    rpps: str


@dataclass(frozen=True)
class SiteData:
    id: int
    name: str
    address: str
    postal_code: str
    city: str
    phone: str
    active: bool


@dataclass(frozen=True)
class TerritoryData:
    id: int
    name: str
    finess: str | None
    email: str | None  # the coordination's


def coding(system: str, code: str, display: str | None = None) -> dict:
    return {"system": system, "code": code, **({"display": display} if display else {})}


def security_labels(slot: SlotData) -> list[str]:
    """TRE-R314 codes: a duty-centre créneau is for the CPTS and the SNP regulators, and PUBLIC/PRO if chosen."""
    return ["CPTS", "SNP"] + (["PUBLIC"] if slot.public else []) + (["PRO"] if slot.pro else [])


def slot_resource(slot: SlotData) -> dict:
    """Slot, profile sas-cpts-slot-aggregator (FrSlotAgregateurCPTS)."""
    return {
        "resourceType": "Slot",
        "id": str(slot.id),
        "meta": {
            "profile": [SLOT_PROFILE],
            "security": [coding(TYPE_CRENEAU, code, TYPE_CRENEAU_LABELS[code]) for code in security_labels(slot)],
        },
        "serviceType": [
            {"coding": [coding(ACT_CODE, "AMB", "ambulatory")], "text": "Consultation au cabinet de garde"},
            {
                "extension": [
                    {
                        "url": SERVICE_TYPE_EXTENSION,
                        "valueReference": {"reference": f"HealthcareService/{slot.site_id}"},
                    }
                ],
                "coding": [
                    coding(
                        CATEGORIE_ETABLISSEMENT,
                        CPTS_CATEGORY,
                        "Communauté professionnelle territoriale de santé (CPTS)",
                    )
                ],
            },
        ],
        "specialty": [{"coding": [coding(SPECIALITE_ORDINALE, GENERAL_PRACTICE, "Médecine générale (SM)")]}],
        "appointmentType": {"coding": [coding(APPOINTMENT_REASON, "ROUTINE", "Créneau avec prise de RDV possible")]},
        "schedule": {"reference": f"Schedule/{slot.gp_id}"},
        "status": "free" if slot.free else "busy",
        "start": slot.starts_at.isoformat(),
        "end": slot.ends_at.isoformat(),
        "comment": slot.booking_url,
    }


def schedule_resource(gp: GPData) -> dict:
    """Schedule (sas-schedule-aggregator): the agenda of one GP on duty, its actor the Practitioner."""
    return {
        "resourceType": "Schedule",
        "id": str(gp.id),
        "meta": {"profile": [SCHEDULE_PROFILE]},
        "active": True,
        "actor": [{"reference": f"Practitioner/{gp.id}", "display": f"Dr {gp.full_name}"}],
        "comment": "Créneaux de garde (soins non programmés) de ce médecin",
    }


def name_parts(full_name: str) -> tuple[str, list[str]]:
    """(family, given) from « Prénom Nom »: the first word is the given name, the rest the family name."""
    words = full_name.split()
    if len(words) < 2:
        return full_name.strip(), []
    return " ".join(words[1:]), [words[0]]


def practitioner_resource(gp: GPData) -> dict:
    """Practitioner (sas-practitioner-aggregator): identifier IDNPS = 8 + RPPS, family and given names."""
    family, given = name_parts(gp.full_name)
    return {
        "resourceType": "Practitioner",
        "id": str(gp.id),
        "meta": {"profile": [PRACTITIONER_PROFILE]},
        "identifier": [
            {
                "use": "official",
                "type": {"coding": [coding(FR_V2_0203, "IDNPS", "Identifiant national de professionnel de santé")]},
                "system": RPPS_SYSTEM,
                "value": "8" + gp.rpps,
            }
        ],
        "name": [{"use": "usual", "text": gp.full_name, "family": family, **({"given": given} if given else {})}],
    }


def healthcare_service_resource(site: SiteData, territory_id: int) -> dict:
    """HealthcareService (sas-cpts-healthcareservice-aggregator): a cabinet de garde, provided by the CPTS."""
    return {
        "resourceType": "HealthcareService",
        "id": str(site.id),
        "meta": {"profile": [HEALTHCARE_SERVICE_PROFILE]},
        "active": site.active,
        "providedBy": {"reference": f"Organization/{territory_id}"},
        "name": site.name,
        "telecom": [{"system": "phone", "value": site.phone, "use": "work"}],
        "extraDetails": f"{site.address}, {site.postal_code} {site.city}",
    }


def organization_resource(territory: TerritoryData) -> dict:
    """Organization (sas-cpts-organization-aggregator): the CPTS, identified by 1 + its FINESS number."""
    resource: dict = {
        "resourceType": "Organization",
        "id": str(territory.id),
        "meta": {"profile": [ORGANIZATION_PROFILE]},
        "active": True,
        "name": territory.name,
    }
    if territory.finess:
        resource["identifier"] = [
            {
                "type": {"coding": [coding(FR_LOCATION_IDENTIFIER_TYPE, "IDNST", "Identifiant national de structure")]},
                "system": FINESS_SYSTEM,
                "value": "1" + territory.finess,
            }
        ]
    if territory.email:
        resource["telecom"] = [{"system": "email", "value": territory.email, "use": "work"}]
    return resource


ISSUE_CODES = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found", 405: "not-supported"}


def operation_outcome(status: int, message: str) -> dict:
    """The FHIR error body: one issue, its code from the HTTP status, the French message as diagnostics."""
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": ISSUE_CODES.get(status, "exception"), "diagnostics": message}],
    }


# What the server does, resource by resource: the CapabilityStatement is built from it and the routes follow it.
SEARCH_PARAMS = {
    "Slot": [
        ("start", SLOT_START_PARAMETER, "date", "Début du créneau : ge, gt, le, lt ou eq ; 31 jours au plus"),
        (
            "status",
            "http://hl7.org/fhir/SearchParameter/Slot-status",
            "token",
            "free (seuls les créneaux libres) ou busy",
        ),
        (
            "schedule.actor:Practitioner.identifier",
            "http://hl7.org/fhir/SearchParameter/Practitioner-identifier",
            "token",
            f"Le médecin : {RPPS_SYSTEM}|8<RPPS>",
        ),
    ],
    "Schedule": [("actor", "http://hl7.org/fhir/SearchParameter/Schedule-actor", "reference", "Practitioner/<id>")],
    "Practitioner": [
        ("identifier", "http://hl7.org/fhir/SearchParameter/Practitioner-identifier", "token", f"{RPPS_SYSTEM}|8<RPPS>")
    ],
    "HealthcareService": [],
    "Organization": [],
}
PROFILES = {
    "Slot": SLOT_PROFILE,
    "Schedule": SCHEDULE_PROFILE,
    "Practitioner": PRACTITIONER_PROFILE,
    "HealthcareService": HEALTHCARE_SERVICE_PROFILE,
    "Organization": ORGANIZATION_PROFILE,
}
SEARCHABLE = ("Slot", "Schedule", "Practitioner")
SLOT_INCLUDES = ("Slot:schedule", "Schedule:actor", "Slot:service-type-reference", "HealthcareService:organization")


def capability_statement(base: str, software: str, date: str) -> dict:
    """The CapabilityStatement of what this server answers (SAS_gestionnaireAgenda_CPTS, kind instance)."""
    resources = []
    for kind, profile in PROFILES.items():
        interactions = [{"code": "read"}] + ([{"code": "search-type"}] if kind in SEARCHABLE else [])
        entry: dict = {"type": kind, "profile": profile, "interaction": interactions}
        if kind == "Slot":
            entry["searchInclude"] = list(SLOT_INCLUDES)
        if SEARCH_PARAMS[kind]:
            entry["searchParam"] = [
                {"name": name, "definition": definition, "type": kind_, "documentation": doc}
                for name, definition, kind_, doc in SEARCH_PARAMS[kind]
            ]
        resources.append(entry)
    return {
        "resourceType": "CapabilityStatement",
        "id": "sas-gestionnaire-agenda-cpts",
        "status": "active",
        "date": date,
        "kind": "instance",
        "software": {"name": software},
        "implementation": {"description": "Gestionnaire d'agenda CPTS (soins non programmés)", "url": base},
        "instantiates": [f"{IG}/CapabilityStatement/SAS-GestionnaireAgenda-CPTS"],
        "fhirVersion": FHIR_VERSION,
        "format": [FHIR_JSON, "json"],
        "implementationGuide": [IG],
        "rest": [
            {
                "mode": "server",
                "documentation": "Créneaux libres des cabinets de garde de la CPTS ; la réservation se fait dans "
                "l'application (Slot.comment : la page de réservation du créneau).",
                "security": {
                    "cors": False,
                    "description": "Jeton d'accès d'un compte de régulation : en-tête Authorization: Bearer <jeton>.",
                },
                "resource": resources,
                "searchParam": [
                    {
                        "name": "_include",
                        "definition": "http://hl7.org/fhir/SearchParameter/Resource-include",
                        "type": "token",
                        "documentation": "Slot:schedule, Schedule:actor (ou _include:iterate), "
                        "Slot:service-type-reference, HealthcareService:organization",
                    }
                ],
            }
        ],
    }
