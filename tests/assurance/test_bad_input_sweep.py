"""The bad-input sweep (tests/assurance/sweep.py) as each role and anonymously: 0 server errors, 0 violations.

The world is the access matrix's (every object kind, for practice p and q), so detail and write operations
reach their validation and their services, not only a 404. Figures go to the terminal summary.
"""

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.access.matrix import all_rows
from tests.access.targets import TARGETS
from tests.assurance.conftest import FIGURES
from tests.assurance.sweep import Sweep
from tests.world import ACTOR_ROLES

CALLERS = [*ACTOR_ROLES, None]


def _ids(world) -> dict[str, int]:
    all_rows()  # registers every app's object kinds
    ids = {}
    for kind in TARGETS:
        ids[kind] = world.target(kind, "mine").pk
    return ids


@pytest.mark.django_db
@pytest.mark.parametrize("role", CALLERS, ids=[r or "anonymous" for r in CALLERS])
def test_bad_input_sweep_finds_no_server_error_and_no_violation(world, role):
    document = APIClient().get("/api/schema/?format=json").json()
    sweep = Sweep(document, _ids(world))
    headers = {}
    if role is not None:
        _, token = AuthToken.objects.create(world.p.members[role].user)
        headers = {"HTTP_AUTHORIZATION": f"Token {token}", "HTTP_X_PRACTICE": world.p.practice.slug}
    api = APIClient(raise_request_exception=False)
    tally = sweep.run(api, headers)

    FIGURES.append(
        f"bad-input sweep [{role or 'anonymous'}]: {tally.requests} requests "
        f"({', '.join(f'{k // 100}xx {v}' for k, v in sorted(tally.statuses.items()))}), "
        f"{len(tally.server_errors)} server errors, {len(tally.violations)} schema violations"
    )
    problems = tally.server_errors + tally.violations
    assert tally.requests > 1000  # the sweep walked the schema (it would pass vacuously on an empty one)
    assert not problems, f"{len(problems)} problems as {role or 'anonymous'}:\n" + "\n".join(problems[:60])
