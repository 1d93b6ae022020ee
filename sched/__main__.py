"""Entry point of `python -m sched` (run from the project root, so this package shadows the stdlib `sched`)."""

import sys

from sqlalchemy.exc import SQLAlchemyError

from sched.cli import cli


def main() -> None:
    """Run the CLI; a database that cannot be reached or is not initialised is one readable line, exit 1."""
    try:
        cli.main(prog_name="python -m sched")
    except SQLAlchemyError as error:
        detail = (str(getattr(error, "orig", None) or error).strip().splitlines() or ["?"])[0]
        print(f"Error: database: {detail} (check DATABASE_URL, then run `python -m sched init-db`)", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
