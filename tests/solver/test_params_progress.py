"""Progress reports carry only finite numbers: they are stored as JSON, which has no infinity."""

from solver.params import Progress, SolveParams


def test_infinite_bounds_are_reported_as_unknown():
    seen: list[Progress] = []
    params = SolveParams(progress=seen.append)
    params.report("stage", float("inf"), float("-inf"))
    params.report("stage", 12.0, 10.0)
    assert [(p.objective, p.bound) for p in seen] == [(None, None), (12.0, 10.0)]
