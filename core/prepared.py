"""Statements PostgreSQL plans once per database connection (`PREPARE`), run by name (`EXECUTE`).

psycopg binds parameters on the client here (Django's default: a settings-wide server-side binding is not
possible while pghistory's middleware puts a `set_config` statement in front of every write), so PostgreSQL
plans every statement it is sent. For the few hot statements whose planning costs more than their execution
(a join of eight tables read by primary key plans in about 2 ms and runs in 0.3), a `Prepared` statement is
planned with its connection's first executions and then runs on PostgreSQL's cached plan: after five
executions PostgreSQL keeps a generic plan when it costs no more than the custom ones (`plan_cache_mode`).

`EXECUTE name(…)` is one statement like any other: it goes through Django's cursor (query logging, execute
wrappers, `CaptureQueriesContext` and the tests' query pins count it), and it can share a round trip with other
statements in a simple-protocol `execute`. The `PREPARE` runs once per connection on the driver's connection
itself, before the first `EXECUTE`, outside Django's query log: the pins count a request's statements the same
on a new connection as on a warm one. A prepared statement belongs to its session, so it survives a rolled-back
transaction and dies with its connection; a pooler in front of PostgreSQL must keep sessions (PgBouncer's
session mode), as the send's advisory locks already require.
"""

from __future__ import annotations

import re
import weakref
import zlib
from typing import Any

from django.db.backends.utils import CursorWrapper

_PLACEHOLDER = re.compile(r"%%|%s")
# Per driver connection, the names it has prepared: a new connection (a reconnect, a new worker) starts empty.
_prepared_on: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()


class Prepared:
    """One statement written with psycopg's placeholders (`%s` for each parameter, `%%` for a literal `%`, as
    Django's compiler writes SQL), prepared on each connection that runs it under `label` and a checksum of its
    text (`label_1a2b3c4d`), so that two statements never share a name.

    `execute_sql(cursor)` is the statement to send on that cursor: `EXECUTE name(%s, …)`, with the same parameters
    in the same order, to run alone or joined with other statements (`"SELECT …; " + p.execute_sql(cursor)`).
    Parameter types are PostgreSQL's inference from each placeholder's context (`"id" = $1` is the column's type)."""

    def __init__(self, label: str, statement: str) -> None:
        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,40}", label):
            raise ValueError(f"a prepared statement's label is a short lower-case identifier: {label!r}")
        self.name = name = f"{label}_{zlib.crc32(statement.encode()):08x}"
        count = 0

        def number(match: re.Match[str]) -> str:
            nonlocal count
            if match.group() == "%%":
                return "%"  # the PREPARE is sent without parameters: nothing is interpolated into it
            count += 1
            return f"${count}"

        self.prepare = f"PREPARE {name} AS {_PLACEHOLDER.sub(number, statement)}"
        self.parameters = count
        self._execute = f"EXECUTE {name}({', '.join(['%s'] * count)})" if count else f"EXECUTE {name}"

    def execute_sql(self, cursor: CursorWrapper) -> str:
        """`EXECUTE name(%s, …)`, once the statement is prepared on the connection `cursor` (a Django cursor) runs
        on, preparing it there on first use. The cursor, not the default connection, names that connection: a
        health check when a cursor is opened may replace the connection, and the statement must be prepared on
        the one that will run it."""
        raw = cursor.cursor.connection  # the driver's cursor, and its connection
        names = _prepared_on.setdefault(raw, set())
        if self.name not in names:
            with cursor.db.wrap_database_errors:  # Django's exceptions, as for any statement
                raw.execute(self.prepare)
            names.add(self.name)
        return self._execute
