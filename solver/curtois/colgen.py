"""Column generation: the Dantzig–Wolfe relaxation of a Curtois–Qu instance, to guide the whole model.

Cover is the only rule linking employees. The master LP chooses, for each employee, a convex combination
of whole rosters (columns) and pays the cover shortfall and excess; each employee's pricing problem is
the CP-SAT model of that employee alone (all their hard rules, their requests), minimising the request
penalty less the cover duals of the shifts worked. Columns are added while some employee has one of
negative reduced cost.

Why: this relaxation is far tighter than the CP-SAT model's LP, and its solution tells the model where
to look. Instance8: the model's bound after 60 s is 1 263 and its rosters 1 431-1 790; the relaxation
converges in ~15 s to 1 296.6 (optimum 1 300), and on Instances 10-12 it is the optimum itself (see
docs/curtois.md). Pricing runs on `workers` threads: CP-SAT releases the GIL while it solves.
"""

from __future__ import annotations

import dataclasses
import math
import time
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from solver.curtois.instance import Employee, Instance
from solver.curtois.model import build_model

SCALE = 1000  # duals are fractional; CP-SAT objectives are integers
PRICING_LIMIT = 2.0  # seconds per pricing problem (one employee: a few tens of milliseconds)
EPSILON = 1e-6
KEEP = 8  # rosters kept per pricing problem, the best last (Instance12 converges in 26 rounds, 31 with 3)
DIVE_AT = 0.5  # a dive step fixes every employee whose heaviest column weighs more than this
Column = tuple[str | None, ...]  # one entry per day: the shift id, or None for a day off


class Priced(NamedTuple):
    """One pricing problem's answer: the columns found (with their request penalty), the best pricing value
    in the model's units, and whether that value is proven optimal."""

    columns: list[tuple[Column, int]]
    value: float
    proven: bool


class MasterColumn(NamedTuple):
    """A roster in the master LP: its days, its request penalty, and the LP variable weighting it."""

    column: Column
    cost: int
    var: pywraplp.Variable


def alone(instance: Instance, employee: Employee) -> Instance:
    """The instance reduced to one employee, their requests, and no cover: a pricing problem's rules."""
    return dataclasses.replace(
        instance,
        employees=[employee],
        on_requests=[r for r in instance.on_requests if r.employee == employee.id],
        off_requests=[r for r in instance.off_requests if r.employee == employee.id],
        cover=[],
    )


class _Pricer:
    """One employee's CP-SAT model, re-solved with the current cover duals in the objective."""

    def __init__(self, instance: Instance, employee: Employee) -> None:
        self.employee, self.horizon, self.shifts = employee, instance.horizon, instance.shift_ids
        self.ctx, penalties = build_model(alone(instance, employee))
        self.requests = sum(p.weight * p.term for p in penalties)

    def price(self, duals: dict[tuple[int, str], float], deadline: float) -> Priced:
        """The columns of negative reduced cost this employee has under `duals`, within PRICING_LIMIT seconds
        and before `deadline` (none at all once it has passed)."""
        seconds = min(PRICING_LIMIT, deadline - time.monotonic())
        if seconds <= 0:
            return Priced([], math.inf, False)
        x = {(d, t): self.ctx.x[self.employee.id, d, t] for d in range(self.horizon) for t in self.shifts}
        gains = {key: round(SCALE * duals.get(key, 0.0)) for key in x}
        self.ctx.model.minimize(SCALE * self.requests - sum(g * x[key] for key, g in gains.items() if g))
        found: list[tuple[Column, int]] = []
        pricer = self

        class Collect(cp_model.CpSolverSolutionCallback):
            def on_solution_callback(self) -> None:
                column = tuple(
                    next((t for t in pricer.shifts if self.boolean_value(x[d, t])), None) for d in range(pricer.horizon)
                )
                found.append((column, round(self.value(pricer.requests))))

        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.max_time_in_seconds = seconds
        status = solver.solve(self.ctx.model, Collect())
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return Priced([], math.inf, False)
        # A pricing value in the model's units: request penalty less the duals of the shifts worked.
        return Priced(found[-KEEP:], solver.objective_value / SCALE, status == cp_model.OPTIMAL)


class _Master:
    """The restricted master LP (GLOP): one convexity row per employee, one cover row per (day, shift)."""

    def __init__(self, instance: Instance) -> None:
        self.lp = pywraplp.Solver.CreateSolver("GLOP")
        self.objective = self.lp.Objective()
        self.objective.SetMinimization()
        self.convexity = {e.id: self.lp.Constraint(1, 1) for e in instance.employees}
        self.cover = {}
        for c in instance.cover:
            row = self.lp.Constraint(c.requirement, c.requirement)
            under, over = self.lp.NumVar(0, self.lp.infinity(), ""), self.lp.NumVar(0, self.lp.infinity(), "")
            row.SetCoefficient(under, 1)
            row.SetCoefficient(over, -1)
            self.objective.SetCoefficient(under, c.weight_under)
            self.objective.SetCoefficient(over, c.weight_over)
            self.cover[c.day, c.shift] = row
        self.columns: dict[str, list[MasterColumn]] = {e.id: [] for e in instance.employees}
        self.seen: set[tuple[str, Column]] = set()

    def add(self, employee: str, column: Column, cost: int) -> bool:
        if (employee, column) in self.seen:
            return False
        self.seen.add((employee, column))
        var = self.lp.NumVar(0, self.lp.infinity(), "")
        self.convexity[employee].SetCoefficient(var, 1)
        for d, t in enumerate(column):
            if t is not None and (d, t) in self.cover:
                self.cover[d, t].SetCoefficient(var, 1)
        self.objective.SetCoefficient(var, cost)
        self.columns[employee].append(MasterColumn(column, cost, var))
        return True

    def solve(self) -> tuple[float, dict[tuple[int, str], float], dict[str, float]]:
        """LP value, cover duals, convexity duals."""
        if self.lp.Solve() != pywraplp.Solver.OPTIMAL:
            raise RuntimeError("the restricted master LP has no optimal solution")  # it always has one: slacks
        duals = {key: row.dual_value() for key, row in self.cover.items()}
        return self.objective.Value(), duals, {e: row.dual_value() for e, row in self.convexity.items()}

    def assignment(self) -> dict[tuple[str, int, str], float]:
        out: dict[tuple[str, int, str], float] = {}
        for employee, columns in self.columns.items():
            for entry in columns:
                weight = entry.var.solution_value()
                if weight > EPSILON:
                    for d, t in enumerate(entry.column):
                        if t is not None:
                            out[employee, d, t] = out.get((employee, d, t), 0.0) + weight
        return out


class ColumnGeneration:
    """The relaxation, and a dive that fixes employees to whole columns while it stays near its value."""

    def __init__(self, instance: Instance, workers: int) -> None:
        self.instance = instance
        self.workers = max(1, workers)
        self.pricers = {e.id: _Pricer(instance, e) for e in instance.employees}
        self.master = _Master(instance)
        self.free = [e.id for e in instance.employees]  # employees not yet fixed by the dive
        self.fixed: dict[str, Column] = {}
        self.value, self.bound, self.converged, self.rounds = math.inf, None, False, 0
        self.duals: dict[tuple[int, str], float] = {}
        self.convexity = dict.fromkeys(self.free, math.inf)  # first round: every employee's best roster
        # What rounding the duals to integers may hide from the bound: half a unit per day worked.
        self.rounding = len(self.free) * instance.horizon * 0.5 / SCALE

    def run(self, deadline: float, rounds: int | None = None) -> bool:
        """Pricing rounds until none adds a column (True), `rounds` are done or the deadline passes."""
        done = 0
        with ThreadPoolExecutor(self.workers) as pool:
            while time.monotonic() < deadline and (rounds is None or done < rounds):
                done += 1
                self.rounds += 1
                # Each pricing problem gets what is left of the deadline: a round that started just before it
                # ran a whole round past it (Instance12, 60 pricing problems: 2.9 s on a slow machine).
                priced = list(pool.map(lambda e: self.pricers[e].price(self.duals, deadline), self.free))
                added, gap, proven = 0, 0.0, True
                for employee, answer in zip(self.free, priced, strict=True):
                    proven = proven and answer.proven
                    if answer.value < self.convexity[employee] - EPSILON:
                        gap += answer.value - self.convexity[employee]
                        added += sum(self.master.add(employee, column, cost) for column, cost in answer.columns)
                if any(not self.master.columns[e] for e in self.free):
                    return False  # an employee without any roster in time: nothing to relax
                if self.rounds > 1 and proven and not self.fixed:
                    # Lagrangian bound: the LP value plus every employee's most negative reduced cost.
                    self.bound = max(self.bound or 0, math.ceil(self.value + gap - self.rounding - EPSILON))
                if not added:
                    self.converged = self.converged or (self.rounds > 1 and proven and not self.fixed)
                    return True
                self.value, self.duals, self.convexity = self.master.solve()
        return False

    def dive(self, deadline: float, rounds: int, slack: float) -> None:
        """Fix employees to whole columns while the relaxation stays within `slack` (a fraction) of its value.

        A step fixes every free employee whose heaviest column weighs more than DIVE_AT (or the single
        heaviest column), then prices `rounds` rounds. A step that lifts the relaxation above the ceiling is
        undone. Where the relaxation's value is an integer (Instances 10-12: the optimum itself) a costly
        step is a wrong pick among many whole rosters: the next steps fix at most half as many employees
        (heaviest first), and only an undone single-employee step ends the dive; the dive fixes most of the
        staff at little cost. Without the halving an undone first step left Instance12 with nobody fixed and
        5 242-5 546 at 60 s (optimum 4 040; 4 040-4 245 with it). Where the value is fractional (Instance8)
        the first undone step ends the dive: fixing employees there costs, and the restricted model does
        better from the undived relaxation (1 301-1 308 against 1 399-1 409 with 11-15 employees fixed).
        A relaxation cut short by its deadline is not known to be fractional and dives as an integral one:
        Instance12's needs 25-33 s depending on the machine's speed, and a dive stopped at its first undone
        step there left 21 employees fixed and 4 142-6 042 at 60 s.
        """
        if not math.isfinite(self.value):
            return  # no relaxation to dive into
        ceiling = self.value * (1 + slack) + EPSILON
        fractional = self.converged and abs(self.value - round(self.value)) > EPSILON
        most = len(self.free)  # employees a step may fix
        while self.free and time.monotonic() < deadline:
            heaviest = {e: self._heaviest(e) for e in self.free}
            weight = {e: heaviest[e].var.solution_value() for e in self.free}
            by_weight = sorted(self.free, key=lambda e: -weight[e])
            step = [e for e in by_weight if weight[e] > DIVE_AT][:most] or by_weight[:1]
            for employee in step:
                self._fix(employee, heaviest[employee].column)
            self.value, self.duals, self.convexity = self.master.solve()
            self.run(deadline, rounds)
            if self.value > ceiling:
                for employee in step:
                    self._release(employee)
                self.value, self.duals, self.convexity = self.master.solve()
                if len(step) == 1 or fractional:
                    return
                most = len(step) // 2

    def _fix(self, employee: str, chosen: Column) -> None:
        self.fixed[employee] = chosen
        self.free.remove(employee)
        for entry in self.master.columns[employee]:
            if entry.column != chosen:
                entry.var.SetUb(0)

    def _release(self, employee: str) -> None:
        del self.fixed[employee]
        self.free.append(employee)
        for entry in self.master.columns[employee]:
            entry.var.SetUb(self.master.lp.infinity())

    def _heaviest(self, employee: str) -> MasterColumn:
        return max(self.master.columns[employee], key=lambda c: c.var.solution_value())

    def heaviest(self) -> dict[str, Column]:
        """Each employee's roster of most weight in the relaxation (the fixed one for a dived employee)."""
        if not math.isfinite(self.value):
            return {}
        return {e: self._heaviest(e).column for e, columns in self.master.columns.items() if columns}

    def assignment(self) -> dict[tuple[str, int, str], float]:
        """(employee, day, shift) -> weight in the relaxation; empty if the master LP was never solved."""
        return self.master.assignment() if math.isfinite(self.value) else {}
