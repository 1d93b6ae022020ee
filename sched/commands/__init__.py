"""Command modules of `python -m sched`: each module here defines `register(cli)` and is loaded by sched.cli."""
