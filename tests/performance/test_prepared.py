"""core.prepared: a statement planned once per connection and run by name, counted as the one statement it is."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from core.prepared import Prepared

pytestmark = pytest.mark.django_db


def _prepared_here() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE name LIKE 'probe_%%' ORDER BY name")
        return [row[0] for row in cursor.fetchall()]


def _run(prepared: Prepared, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(prepared.execute_sql(cursor), params)
        return cursor.fetchall()


@pytest.mark.django_db(transaction=True)  # closes its connection, which a test inside a transaction cannot
def test_it_is_prepared_once_per_connection_and_counted_as_its_execute():
    probe = Prepared("probe_sum", "SELECT %s::int + %s::int, '100%%'")
    connection.close()  # a new connection: nothing prepared on it
    with CaptureQueriesContext(connection) as queries:
        assert _run(probe, [2, 3]) == [(5, "100%")]
        assert _run(probe, [4, 5]) == [(9, "100%")]
    statements = [q["sql"] for q in queries.captured_queries]
    assert statements == [f"EXECUTE {probe.name}(2, 3)", f"EXECUTE {probe.name}(4, 5)"]  # no PREPARE among them
    assert _prepared_here() == [f"PREPARE {probe.name} AS SELECT $1::int + $2::int, '100%'"]

    connection.close()  # the next connection prepares it again, on first use
    assert _prepared_here() == []
    assert _run(probe, [1, 1]) == [(2, "100%")]
    assert len(_prepared_here()) == 1


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_keeps_the_statement_prepared():
    probe = Prepared("probe_rollback", "SELECT %s::text")
    connection.close()
    with transaction.atomic():
        assert _run(probe, ["inside"]) == [("inside",)]
        transaction.set_rollback(True)
    assert _run(probe, ["after"]) == [("after",)]  # no "prepared statement does not exist"


def test_two_statements_with_one_label_get_two_names():
    first, second = Prepared("probe_same", "SELECT 1"), Prepared("probe_same", "SELECT 2")
    assert first.name != second.name
    assert _run(first, []) == [(1,)] and _run(second, []) == [(2,)]


@pytest.mark.parametrize("label", ["", "Upper", "with space", "semi;colon", "x" * 42])
def test_a_label_is_a_short_lower_case_identifier(label):
    with pytest.raises(ValueError, match="label"):
        Prepared(label, "SELECT 1")
