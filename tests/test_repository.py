"""The repository stands alone: no path outside it, its data tracked in it, the PostgreSQL probe honest in CI."""

from __future__ import annotations

import os
import re
import socket
import subprocess
from pathlib import Path

from solver.curtois.files import DEFAULT_DIR
from tests.solver.helpers import EXAMPLES

ROOT = Path(__file__).resolve().parent.parent
# A path of the development machine, or of a folder beside the checkout.
OUTSIDE = re.compile(r"/work/|\.\./shared|parents\[[3-9]\]|\"shared\" /")


def tracked_files() -> list[str]:
    listing = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60)
    return listing.stdout.splitlines()


def test_no_code_test_or_document_names_a_path_outside_the_repository():
    suffixes = {".py", ".md", ".toml", ".cfg", ".ini", ".env", ".sh", ".yml", ".yaml", ".html"}
    names = [n for n in tracked_files() if Path(n).suffix in suffixes or Path(n).name == "Makefile"]
    assert "tests/solver/helpers.py" in names  # the listing is the repository's, not an empty one
    offenders = [
        f"{name}:{number}: {line.strip()}"
        for name in names
        if name != "tests/test_repository.py"
        for number, line in enumerate((ROOT / name).read_text(encoding="utf-8").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert offenders == []


def test_the_fixtures_and_the_benchmark_are_tracked_files_of_the_repository():
    tracked = set(tracked_files())
    for folder, expected in [(EXAMPLES, 5), (DEFAULT_DIR / "instances", 18), (DEFAULT_DIR, 3)]:
        assert folder.resolve().is_relative_to(ROOT)
        files = [p.relative_to(ROOT).as_posix() for p in folder.resolve().iterdir() if p.is_file()]
        assert len(files) == expected and set(files) <= tracked, folder
    assert (EXAMPLES / "README.md").is_file() and (DEFAULT_DIR / "README.md").is_file()


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/test"


def make_test_postgres(url: str, ci: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "CI"} | {"PG_TEST_URL": url}
    if ci is not None:
        env["CI"] = ci
    command = ["make", "--no-print-directory", "test-postgres"]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env, timeout=120)


def test_in_ci_a_silent_postgresql_fails_the_run():
    url = closed_port_url()
    result = make_test_postgres(url, "true")
    assert result.returncode != 0
    port = url.split(":")[-1].split("/")[0]
    assert f"PostgreSQL at 127.0.0.1:{port} does not answer" in result.stderr  # PG_TEST_URL's port, not 5432
    assert "the PostgreSQL pass FAILS" in result.stderr


def test_outside_ci_a_silent_postgresql_is_a_loud_skip():
    result = make_test_postgres(closed_port_url(), None)
    assert result.returncode == 0
    assert "PostgreSQL pass SKIPPED" in result.stdout and "Test suite on PostgreSQL" not in result.stdout
