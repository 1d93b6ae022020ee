"""The benchmark's markdown upkeep: its own section is replaced, everybody else's is left as it was."""

from solver.bench import HEADING, update_doc


def test_update_doc_replaces_only_its_own_section(tmp_path):
    path = tmp_path / "benchmarks.md"
    path.write_text(
        "# Benchmarks\n\n## Regulation load\n\nkeep me\n\n"
        f"{HEADING}\n\nold table\n\n{HEADING} — findings\n\nkeep these findings\n",
        encoding="utf-8",
    )
    update_doc(path, HEADING, f"{HEADING}\n\nnew table\n")
    text = path.read_text(encoding="utf-8")
    assert "keep me" in text and "keep these findings" in text
    assert "new table" in text and "old table" not in text
    assert text.count(f"{HEADING}\n") == 1


def test_update_doc_creates_the_file(tmp_path):
    path = tmp_path / "docs" / "b.md"
    update_doc(path, HEADING, f"{HEADING}\n\ntable\n")
    assert path.read_text(encoding="utf-8").startswith("# Benchmarks\n")


def test_amendment_withdraws_published_pairs_and_pins_unused_ones():
    from solver.bench import amendment
    from solver.generate import generate

    base = generate(20, 2, 14, seed=1)
    published = {"assignments": [{"gp": g["id"], "shift": s} for g in base["gps"] for s in list(g["availability"])[:1]]}
    data = amendment(base, published, seed=6, withdrawals=4, pins=2)
    was = {(a["gp"], a["shift"]) for a in published["assignments"]}
    still = {(g["id"], s) for g in data["gps"] for s in g["availability"]}
    assert len(was - still) == 4
    pins = {(p["gp"], p["shift"]) for p in data["pinned"]}
    assert len(pins) == 2 and not pins & was and pins <= still
    assert {(p["gp"], p["shift"]) for p in data["previous"]} == was
