"""A solve request's progress as the coordination reads it: three stages in French, what each means, where it is.

The solver reports (stage, objective, bound, elapsed, message) rows; the stage names are the solver's rank keys
joined by « + » (`uncovered+removed+understaffed`, `max_load`, `load_sq+unpreferred`) and the objectives are
weighted sums that mean nothing on screen. This module keeps only what a coordinator can use: which stage runs,
which are over (proven best or stopped by the time limit), how many better plannings each found, and the time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sched.models import SolveRequest, utcnow


@dataclass(frozen=True)
class StageInfo:
    key: str
    title: str
    meaning: str


STAGES = (
    StageInfo(
        "cover",
        "Pourvoir les gardes",
        "Chaque garde reçoit au moins son minimum de médecins, puis sa cible, les gardes prioritaires d'abord ; "
        "un planning déjà publié est gardé autant que possible.",
    ),
    StageInfo(
        "peak",
        "Alléger le médecin le plus chargé",
        "Sans perdre aucune garde pourvue, la charge du médecin le plus chargé (heures de la période et "
        "historique) est rendue la plus petite possible.",
    ),
    StageInfo(
        "share",
        "Répartir la charge et respecter les préférences",
        "La charge est partagée le plus également possible, puis les gardes « préférées » des médecins sont "
        "choisies avant les autres.",
    ),
)
QUICK = StageInfo(
    "quick", "Construction rapide", "Un planning est construit garde par garde, sans recherche de l'optimum."
)
RANK_STAGE = {
    "uncovered": "cover", "removed": "cover", "understaffed": "cover",
    "max_load": "peak", "load_sq": "share", "unpreferred": "share",
}  # fmt: skip


def stage_of(name: str) -> str:
    """The screen stage of a solver stage name (its first rank key decides)."""
    first = name.split("+")[0].split(" ")[0]
    return RANK_STAGE.get(first, "quick")


@dataclass
class StageProgress:
    info: StageInfo
    state: str = "todo"  # todo · running · done · proven · stopped
    found: int = 0  # better plannings found during the stage
    started: float = 0.0  # seconds since the solve began, when the stage began (the previous one's end)
    elapsed: float = 0.0  # seconds since the solve began, at the stage's last report

    @property
    def seconds(self) -> int:
        """How long the stage ran (so far)."""
        return max(0, round(self.elapsed - self.started))

    @property
    def state_label(self) -> str:
        return {
            "todo": "à venir",
            "running": "en cours",
            "done": "terminée",
            "proven": "terminée : meilleur résultat possible prouvé",
            "stopped": "terminée : arrêtée par le temps maximal, meilleur résultat non prouvé",
        }[self.state]

    @property
    def found_label(self) -> str:
        if not self.found:
            return ""
        if self.found == 1:
            return "1 planning trouvé"
        return f"{self.found} plannings trouvés, chacun meilleur que le précédent"


@dataclass
class Progress:
    stages: list[StageProgress]
    elapsed: float
    limit: int

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.elapsed / self.limit)) if self.limit else 0

    @property
    def current(self) -> StageProgress | None:
        return next((s for s in self.stages if s.state == "running"), None)


def progress_of(request: SolveRequest) -> Progress:
    """The stages of `request` from its stored rows; a finished request has no stage « en cours »."""
    rows: list[dict[str, Any]] = list(request.progress or [])
    names = [stage_of(str(r.get("stage", ""))) for r in rows]
    infos = [QUICK] if names and all(n == "quick" for n in names) else list(STAGES)
    stages = {i.key: StageProgress(i) for i in infos}
    last_values: dict[str, Any] = {}
    for row, key in zip(rows, names, strict=True):
        stage = stages.get(key)
        if stage is None:
            continue
        if stage.state == "todo":
            stage.started = max((s.elapsed for s in stages.values() if s.state != "todo"), default=0.0)
        stage.state = "running"
        stage.elapsed = float(row.get("elapsed") or 0)
        objective = row.get("objective")
        if objective is not None and objective != last_values.get(key):
            stage.found += 1
            last_values[key] = objective
        message = str(row.get("message") or "")
        if message == "proven":
            stage.state = "proven"
        elif message == "time limit":
            stage.state = "stopped"
    ordered = list(stages.values())
    # A stage followed by a later one is over even when its last row said nothing (the solver moved on).
    for i, stage in enumerate(ordered):
        if stage.state == "running" and any(s.state != "todo" for s in ordered[i + 1 :]):
            stage.state = "done"
    if request.state in ("done", "failed"):
        for stage in ordered:
            if stage.state == "running":
                stage.state = "done"
    elapsed = max((float(r.get("elapsed") or 0) for r in rows), default=0.0)
    if request.state == "running" and request.started_at is not None:
        elapsed = max(elapsed, (utcnow() - request.started_at).total_seconds())
    return Progress(ordered, elapsed, request.time_limit_s)
