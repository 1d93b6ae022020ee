"""Files around an instance: where the benchmark lives, its best-known values, roster text in and out."""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from solver.curtois.evaluate import Roster
from solver.curtois.instance import Instance

# Instances 1-12 and the best-known values ship in the repository (solver/data/curtois/README.md);
# CURTOIS_DIR, or a directory given to `python -m solver bench --curtois DIR`, points elsewhere.
DEFAULT_DIR = Path(__file__).resolve().parents[1] / "data" / "curtois"


def benchmark_dir() -> Path:
    return Path(os.environ.get("CURTOIS_DIR", DEFAULT_DIR))


def instance_path(number: int) -> Path:
    return benchmark_dir() / "instances" / f"Instance{number}.txt"


def instances_in(folder: Path) -> list[Path]:
    """The instance files (`*.txt`) of a folder, or of its `instances/` subfolder, Instance2 before Instance10."""
    if (folder / "instances").is_dir():
        folder = folder / "instances"
    found = [path for path in folder.glob("*.txt") if path.is_file()]
    return sorted(found, key=lambda path: (len(path.stem), path.stem))


@dataclass(frozen=True)
class BestKnown:
    value: int
    lower_bound: int | None

    @property
    def proven(self) -> bool:
        return self.lower_bound == self.value


class BestKnownError(ValueError):
    """A best_known.csv that cannot be read: missing file access, columns or integers. Names the file."""


def best_known(
    name: str, near: Path | None = None, on_error: Callable[[BestKnownError], None] | None = None
) -> BestKnown | None:
    """The best-known value of instance `name` from best_known.csv beside or above `near`.

    An unreadable table raises BestKnownError, or, with `on_error`, is reported to it and skipped (the next
    folder's table is read): the CLI and the bench warn and go on, a roster is never lost to this table.
    """
    folders = [near.parent, near.parent.parent] if near is not None else []
    for folder in [*folders, benchmark_dir()]:
        table = folder / "best_known.csv"
        if not table.is_file():
            continue
        try:
            found = _read_best_known(table, name)
        except BestKnownError as exc:
            if on_error is None:
                raise
            on_error(exc)
            continue
        if found is not None:
            return found
    return None


def _read_best_known(table: Path, name: str) -> BestKnown | None:
    try:
        with table.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = {"instance", "best_known"} - set(reader.fieldnames or [])
            if missing:
                raise BestKnownError(f"{table}: no column {', '.join(sorted(missing))} in the header")
            for row in reader:
                if row.get("instance") == name:
                    bound = (row.get("lower_bound") or "").strip()
                    try:
                        return BestKnown(int(row["best_known"]), int(bound) if bound else None)
                    except (TypeError, ValueError):
                        raise BestKnownError(
                            f"{table}, line {reader.line_num}: not an integer: {row['best_known']!r}"
                        ) from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise BestKnownError(f"{table}: cannot be read ({exc})") from exc
    return None


def format_roster(instance: Instance, roster: Roster) -> str:
    """One line per employee: the id, then one token per day (shift id, or `-` for a day off)."""
    lines = []
    for e in instance.employees:
        days = roster.get(e.id, [None] * instance.horizon)
        lines.append(" ".join([e.id, *(shift or "-" for shift in days)]))
    return "\n".join(lines) + "\n"


def parse_roster(text: str) -> Roster:
    """The inverse of format_roster; blank lines are skipped."""
    roster: Roster = {}
    for line in text.splitlines():
        tokens = line.split()
        if tokens:
            roster[tokens[0]] = [None if token == "-" else token for token in tokens[1:]]
    return roster
