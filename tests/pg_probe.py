"""`python -m tests.pg_probe URL`: exit 0 when the PostgreSQL server of URL answers, else 1 with the reason.

The Makefile asks it before the PostgreSQL pass, so that the probe and the pass use the same PG_TEST_URL.
"""

from __future__ import annotations

import sys

import psycopg
from sqlalchemy.engine import make_url


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tests.pg_probe postgresql+psycopg://user@host:port/dbname", file=sys.stderr)
        return 2
    try:
        url = make_url(argv[0])
    except Exception as exc:  # SQLAlchemy raises ArgumentError and ValueError for a malformed URL
        print(f"PG_TEST_URL is not a database URL: {exc}", file=sys.stderr)
        return 1
    where = f"{url.host or 'localhost'}:{url.port or 5432}"
    try:
        psycopg.connect(
            host=url.host,
            port=url.port,
            dbname=url.database,
            user=url.username,
            password=url.password,
            connect_timeout=3,
        ).close()
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"PostgreSQL at {where} does not answer: {reason}", file=sys.stderr)
        return 1
    print(where)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
