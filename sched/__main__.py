"""Entry point of `python -m sched` (run from the project root, so this package shadows the stdlib `sched`)."""

from sched.cli import cli

if __name__ == "__main__":
    cli.main(prog_name="python -m sched")
