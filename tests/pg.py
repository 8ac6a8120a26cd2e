"""A second connection to the test database's PostgreSQL server, outside Django, for tests that make the
server itself fail (refuse connections, terminate a backend). Never a mock: the server does it."""

import psycopg
from django.db import connection


def admin_connection(dbname: str | None = None) -> psycopg.Connection:
    """Autocommit connection as Django's user, to `dbname` (default: the test database)."""
    s = connection.settings_dict
    return psycopg.connect(
        # The embedded server of scripts/stack.py listens on a Unix socket only: its URL's ?host= names the folder.
        host=s["HOST"] or s.get("OPTIONS", {}).get("host") or "localhost",
        port=s["PORT"] or 5432,
        user=s["USER"],
        password=s["PASSWORD"] or None,
        dbname=dbname or s["NAME"],
        autocommit=True,
    )
