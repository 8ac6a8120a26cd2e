"""An id from another practice in a filter answers exactly like an id that does not exist."""

import pytest

CASES = [
    ("front_desk", "/api/v1/care-team/", "client", "client"),
    ("admin", "/api/v1/supervisions/", "supervisor", "clinician"),
    ("front_desk", "/api/v1/intake/packets/", "client", "client"),
    ("clinician", "/api/v1/intake/responses/", "client", "client"),
]


@pytest.mark.parametrize(("role", "path", "param", "kind"), CASES, ids=[c[1] for c in CASES])
def test_another_practices_id_answers_like_an_unknown_id(world, role, path, param, kind):
    api = world.client_for(role)
    other = world.target(kind, "other").pk
    foreign = api.get(path, {param: other})
    unknown = api.get(path, {param: 987654321})
    assert foreign.status_code == unknown.status_code == 200
    assert foreign.json() == unknown.json()
    assert foreign.json()["results"] == []


def test_a_filter_by_an_id_in_scope_still_filters(world):
    response = world.client_for("front_desk").get("/api/v1/care-team/", {"client": world.p.client_a.pk})
    assert [row["client"] for row in response.json()["results"]] == [world.p.client_a.pk]
