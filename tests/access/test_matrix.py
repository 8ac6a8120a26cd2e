"""ACCESS.md, cell by cell: every endpoint of the OpenAPI schema, every role, three kinds of object."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

from tests.access.matrix import ACTORS, Row, all_rows

ROWS = all_rows()
METHODS = {"get", "post", "put", "patch", "delete"}


def _schema_operations() -> set[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {(method.upper(), path) for path, ops in schema["paths"].items() for method in ops if method in METHODS}


def test_every_schema_endpoint_has_matrix_rows():
    documented = _schema_operations()
    covered = {row.key for row in ROWS}
    missing = sorted(documented - covered)
    assert not missing, f"Endpoints without rows in the access matrix: {missing}"
    stale = sorted(covered - documented)
    assert not stale, f"Matrix rows for endpoints that no longer exist: {stale}"


def test_every_row_states_every_actor():
    for row in ROWS:
        missing = [a for a in ACTORS if a not in row.expect]
        assert not missing, f"{row.method} {row.path} has no expectation for {missing}"


def _cases():
    for row in ROWS:
        scopes = ("mine", "foreign", "other") if row.target else ("mine",)
        for actor in ACTORS:
            for scope in scopes:
                yield pytest.param(row, actor, scope, id=f"{row.method} {row.path} {actor} {scope}")


def _keys(data) -> set[str]:
    found: set[str] = set()
    if isinstance(data, dict):
        for key, value in data.items():
            found.add(key)
            found |= _keys(value)
    elif isinstance(data, list):
        for item in data:
            found |= _keys(item)
    return found


@pytest.mark.parametrize(("row", "actor", "scope"), list(_cases()))
def test_access_matrix(world, row: Row, actor: str, scope: str):
    api = world.client_for(None if actor == "anonymous" else actor)
    if row.lists:
        for s in ("mine", "foreign", "other"):
            world.target(row.lists, s)  # exist before the request, so the list can show or hide them
    path = row.path
    if row.target:
        path = path.replace("{id}", str(world.target(row.target, scope).pk))
    body = row.payload(world, actor, scope) if row.payload else None
    query = row.query(world, actor) if row.query else None
    method = getattr(api, row.method.lower())
    if row.method == "GET":
        response = method(path, query or {})
    else:
        response = method(path + (f"?{_urlencode(query)}" if query else ""), body, format="json")

    expected = row.status_for(actor, scope)
    assert response.status_code == expected, (
        f"{row.method} {path} as {actor} ({scope}): {response.status_code} != {expected}: "
        f"{getattr(response, 'data', response.content)!r}"
    )
    if response.status_code >= 300 or response.status_code == 204:
        return
    data = response.json()
    forbidden = row.forbidden_fields.get(actor, set())
    leaked = forbidden & _keys(data)
    assert not leaked, f"{row.method} {path} as {actor} exposes {sorted(leaked)}"

    if row.method == "GET" and row.lists:
        results = data["results"] if isinstance(data, dict) and "results" in data else data
        ids = {str(item["id"]) for item in results}
        for s in ("mine", "foreign", "other"):
            obj = world.target(row.lists, s)
            should_see = s in row.visible.get(actor, set())
            assert (str(obj.pk) in ids) == should_see, (
                f"{row.path} as {actor}: {row.lists} of scope {s} {'missing' if should_see else 'leaked'}"
            )


def _urlencode(query: dict) -> str:
    from urllib.parse import urlencode

    return urlencode(query, doseq=True)
