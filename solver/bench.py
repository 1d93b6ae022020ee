"""python -m solver bench: instances × engines, with status, score, wall time and time to the final score."""

from __future__ import annotations

import multiprocessing as mp
import os
import platform
import random
import resource
import sys
import time
from pathlib import Path
from typing import Any

from solver.api import ENGINES, solve
from solver.generate import generate
from solver.model import SCORE_KEYS
from solver.params import Progress, SolveParams

WORKERS = 2
DOC = Path("docs/benchmarks.md")
HEADING = "## Solver benchmark"
CURTOIS_HEADING = "## Curtois–Qu benchmark"
BUSY_SUFFIX = " — one core kept busy"


def amendment(
    base: dict[str, Any], solution: dict[str, Any], seed: int = 5, withdrawals: int = 3, pins: int = 1
) -> dict[str, Any]:
    """A published roster re-solved after `withdrawals` withdrawals and `pins` pins."""
    rng = random.Random(seed)
    data = {**base, "name": base["name"] + "-amended", "gps": [dict(g) for g in base["gps"]]}
    published = [(a["gp"], a["shift"]) for a in solution["assignments"]]
    data["previous"] = [{"gp": g, "shift": s} for g, s in published]
    by_id = {g["id"]: g for g in data["gps"]}
    for gp, sid in rng.sample(published, withdrawals):  # GPs withdraw from a shift they were given
        by_id[gp]["availability"] = {k: v for k, v in by_id[gp]["availability"].items() if k != sid}
    unused = sorted((g["id"], s) for g in data["gps"] for s in g["availability"] if (g["id"], s) not in published)
    data["pinned"] = [{"gp": gp, "shift": sid} for gp, sid in rng.sample(unused, pins)]
    return data


def instances(quick: bool) -> list[tuple[str, dict[str, Any], float]]:
    """(name, problem, time limit) in the order of the table."""
    month = generate(60, 3, 30, seed=1)
    published = solve(month, time_limit=10.0 if quick else 60.0, workers=WORKERS)
    rows = [("CPTS month (60 GPs, 3 sites, 30 days)", month, 10.0 if quick else 60.0)]
    if quick:
        rows.append(("tight month (30 GPs, 4 sites, 30 days)", generate(30, 4, 30, seed=4), 10.0))
    else:
        quarter = generate(250, 6, 91, seed=2)
        rows += [
            ("CPTS quarter (250 GPs, 6 sites, 91 days)", quarter, 120.0),
            ("department quarter (1,000 GPs, 20 sites, 91 days)", generate(1000, 20, 91, seed=3), 120.0),
            ("tight month (30 GPs, 4 sites, 30 days)", generate(30, 4, 30, seed=4), 60.0),
        ]
    rows.append(("amendment (month, 3 withdrawals, 1 pin)", amendment(month, published), 10.0 if quick else 60.0))
    if not quick:
        # The quarter's published roster (every rank proven on it in ~10 s), then 4 withdrawals and 2 pins.
        quarter_published = solve(quarter, time_limit=120.0, workers=WORKERS)
        rows.append(
            (
                "amendment (quarter, 4 withdrawals, 2 pins)",
                amendment(quarter, quarter_published, seed=6, withdrawals=4, pins=2),
                60.0,
            )
        )
    return rows


def _spin(stop: Any) -> None:
    """Keeps one core busy until `stop` is set (bench --busy)."""
    n = 0
    while not stop.is_set():
        for _ in range(100_000):
            n += 1


def warm_up(engine: str) -> float:
    """Load the engine's library before the clock starts, as the app's long-lived task worker has; seconds taken.

    OR-Tools' CP-SAT module loads pandas: about 0.6 s once per process, which a worker pays at start, not per
    solve. The HiGHS engine still pays its child process (spawn and highspy import) on every solve: that is
    part of each of its solves, in the app too.
    """
    began = time.monotonic()
    if engine == "cp-sat":
        import solver.engines.cpsat  # noqa: F401
    return time.monotonic() - began


def _one(data: dict[str, Any], engine: str, limit: float, out: Any) -> None:
    """One solve in a fresh process, so peak memory is the solve's own."""
    warm_up(engine)
    events: list[tuple[float, str, float | None, float | None]] = []

    def record(e: Progress) -> None:
        events.append((round(e.elapsed, 2), e.stage, e.objective, e.bound))

    doc = solve(data, engine=engine, time_limit=limit, workers=WORKERS, seed=0, progress=record)
    peak = max(resource.getrusage(r).ru_maxrss for r in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    out.put((doc, events, peak / 1024))


def run_one(data: dict[str, Any], engine: str, limit: float) -> tuple[dict[str, Any], list[Any], float]:
    context = mp.get_context("spawn")
    out = context.Queue()
    child = context.Process(target=_one, args=(data, engine, limit, out))
    child.start()
    result = out.get()
    child.join()
    return result


def _row(name: str, engine: str, doc: dict[str, Any], peak_mib: float) -> str:
    score, stats = doc["score"], doc["stats"]
    stages = {s["key"]: s for s in stats.get("stages", [])}
    proven = "".join(str(i + 1) for i, k in enumerate(SCORE_KEYS) if stages.get(k, {}).get("proven"))
    gap = ""
    if "load_sq" in stages and engine != "greedy":
        bound = stages["load_sq"]["bound"]
        gap = f"{100 * (score['load_sq'] - bound) / max(1, bound):.3f}"
    values = " · ".join(str(score[k]) for k in SCORE_KEYS)
    return (
        f"| {name} | {engine} | {doc['status']} | {values} | {proven or '-'} | {gap} | "
        f"{stats['wall_time_s']:.1f} | {stats.get('time_to_best_s', stats['wall_time_s']):.1f} | {peak_mib:.0f} |"
    )


def solver_section(quick: bool, engines: list[str], busy: bool = False) -> tuple[str, list[str]]:
    """The markdown section, and one line per run for the console. `busy`: a process keeps one core busy."""
    load = os.getloadavg()[0]
    flags = (" --quick" if quick else "") + (" --busy" if busy else "")
    lines = [
        HEADING + (BUSY_SUFFIX if busy else ""),
        "",
        f"`python -m solver bench{flags}` — {time.strftime('%Y-%m-%d %H:%M')}, "
        f"{os.cpu_count()} cores ({platform.machine()}), workers={WORKERS}, seed=0; "
        f"load average {load:.1f} at the start ({'busy' if load > 1.5 else 'quiet'} machine)"
        + ("; a spinning process kept one core busy through every solve." if busy else "."),
        "",
        "Score = uncovered · removed · understaffed · max_load · load_sq · unpreferred. *Proven* lists the ranks",
        "proven optimal; *gap* is load_sq's distance to its proven lower bound; *to final* is when the final score",
        "was first reached; *MiB* is the solving process's peak resident memory. Each solve runs in a fresh process",
        "that has loaded its engine's library first, as the app's task worker has (OR-Tools: ~0.6 s once per",
        "process, not counted); *wall s* counts from the solve call, the HiGHS engine's child process included.",
        "",
        "| instance | engine | status | score | proven | load_sq gap % | wall s | to final s | MiB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    curves: list[str] = []
    console = []
    for name, data, limit in instances(quick):
        for engine in engines:
            if busy:
                stop = mp.get_context("spawn").Event()
                hog = mp.get_context("spawn").Process(target=_spin, args=(stop,), daemon=True)
                hog.start()
            try:
                doc, events, peak = run_one(data, engine, limit)
            finally:
                if busy:
                    stop.set()
                    hog.join()
            row = _row(name, engine, doc, peak)
            lines.append(row)
            console.append(row)
            print(row, file=sys.stderr, flush=True)
            if doc["status"] != "optimal" and engine != "greedy" and events:
                curves += [f"- {name}, {engine}: " + "; ".join(_curve(events))]
    if curves:
        lines += ["", "Score against time (elapsed s: stage objective [bound]) where a rank was left unproven:", ""]
        lines += curves
    return "\n".join(lines) + "\n", console


def _curve(events: list[tuple[float, str, float | None, float | None]]) -> list[str]:
    """A compact curve: the last event of each stage and every tenth event in between."""
    keep = [e for i, e in enumerate(events) if i % 10 == 0 or i + 1 == len(events) or e[1] != events[i + 1][1]]
    return [f"{t}: {stage} {obj:g} [{'' if b is None else f'{b:g}'}]" for t, stage, obj, b in keep if obj is not None]


def update_doc(path: Path, heading: str, section: str) -> None:
    """Replace (or append) one `## ` section of the markdown file, leaving the others as they are."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    parts = text.split("\n## ")
    head, rest = parts[0], ["## " + p for p in parts[1:]]
    rest = [p for p in rest if p.split("\n", 1)[0].strip() != heading]
    body = "\n".join([head.rstrip("\n") + "\n", *[p.rstrip("\n") + "\n" for p in rest], section])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body, encoding="utf-8")


def params_factory(time_limit: float) -> SolveParams:
    """What the Curtois–Qu table is given to build its engines' parameters."""
    return SolveParams(time_limit=time_limit, workers=WORKERS, seed=0)


def run_bench(quick: bool, curtois: str | None, output: str | None, engines: str, busy: bool = False) -> int:
    """`curtois`: None leaves the Curtois–Qu table out, "" runs the repository's instances, else a directory."""
    chosen = [e for e in engines.split(",") if e]
    unknown = [e for e in chosen if e not in ENGINES]
    if unknown:
        print(f"error: unknown engine(s) {', '.join(unknown)}", file=sys.stderr)
        return 2
    path = Path(output) if output else DOC
    folder = Path(curtois) if curtois else None
    if curtois is not None:
        # Imported here: it loads OR-Tools, which would then count in the peak memory of every solve process
        # below (each imports this module to run `_one`).
        from solver.curtois.bench import curtois_table
        from solver.curtois.files import instances_in

        if folder is not None and not instances_in(folder):
            print(f"error: {folder} holds no instance file (*.txt)", file=sys.stderr)
            return 2
    section, _ = solver_section(quick, chosen, busy)
    print(section)
    update_doc(path, HEADING + (BUSY_SUFFIX if busy else ""), section)
    if curtois is not None:
        table = f"{CURTOIS_HEADING}\n\n{curtois_table(params_factory, quick, folder)}\n"
        print(table)
        update_doc(path, CURTOIS_HEADING, table)
    return 0
