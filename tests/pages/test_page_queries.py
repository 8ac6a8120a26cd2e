"""Each page renders in a fixed number of queries (pinned: a change that adds one per row shows up here).

Pattern for page engineers: build the data, sign in with `signed_in_client`, then
    with django_assert_num_queries(N): client.get(url)
The shell's own cost on every page is SHELL_QUERIES: the session read, the user, the memberships (one query
for the gate, the header and the switcher), the session save (an UPDATE inside a savepoint under the test's
transaction: 3 statements).
"""

from __future__ import annotations

import pytest

from practice import roles
from tests.factories.practice import MembershipFactory
from tests.pages.conftest import signed_in_client

SHELL_QUERIES = 6  # session, user, memberships + practices, session save (savepoint, update, release)


@pytest.fixture
def admin(db):
    return MembershipFactory(roles=[roles.ADMIN])


def test_home_renders_in_the_shells_queries(admin, django_assert_num_queries):
    client = signed_in_client(admin)
    with django_assert_num_queries(SHELL_QUERIES):
        response = client.get("/")
    assert response.status_code == 200


def test_the_switcher_costs_no_query_per_practice(admin, django_assert_num_queries):
    for _ in range(5):
        MembershipFactory(user=admin.user, roles=[roles.FRONT_DESK])
    client = signed_in_client(admin)
    with django_assert_num_queries(SHELL_QUERIES + 2):  # mfa_status: the device, the memberships' practices
        response = client.get("/account/security/")
    assert response.content.decode().count('<option value="') == 5
