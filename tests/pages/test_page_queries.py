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
    assert response.status_code in (200, 302)  # 302: to the role's start page, once an app registers one


def test_the_switcher_costs_no_query_per_practice(admin, django_assert_num_queries):
    for _ in range(5):
        MembershipFactory(user=admin.user, roles=[roles.FRONT_DESK])
    client = signed_in_client(admin)
    with django_assert_num_queries(SHELL_QUERIES + 2):  # mfa_status: the device, the memberships' practices
        response = client.get("/account/security/")
    assert response.content.decode().count('<option value="') == 5


# --- the admin's pages: a pinned count that does not grow with the rows -------------------------------------

ADMIN_PAGES = {
    # url: queries beyond the shell's
    "/manage/staff/": 2,  # count + page of memberships with users
    "/manage/invitations/": 2,  # count + page of pending invitations
    "/manage/supervision/": 3,  # pairs with both names + the clinicians of each of the form's two selects
    "/manage/settings/": 0,
    "/manage/reminders/": 1,  # the policy (get_or_create: one read when it exists)
    "/manage/locations/": 1,
    "/manage/rooms/": 2,  # the form's locations + rooms with their location
    "/manage/appointment-types/": 1,
    "/manage/forms/": 2,  # forms + their versions (prefetch)
    "/manage/audit/": 3,  # staff for the person filter + count + page of events with actors
}


def _grow(practice, n: int):
    import uuid

    from practice.audit import audit_record
    from practice.models import Invitation
    from scheduling.models import AppointmentType, Location, Room

    for _ in range(n):
        i = uuid.uuid4().hex[:8]
        member = MembershipFactory(practice=practice, roles=[roles.FRONT_DESK])
        Invitation.objects.create(practice=practice, email=f"inv{i}-{practice.pk}@example.test", roles=["front_desk"])
        location = Location.objects.create(practice=practice, name=f"Place {i}")
        Room.objects.create(practice=practice, location=location, name=f"Room {i}")
        AppointmentType.objects.create(practice=practice, name=f"Type {i}")
        audit_record(actor=member, action="update", obj=member)


@pytest.mark.parametrize("url, extra", list(ADMIN_PAGES.items()))
def test_admin_pages_render_in_a_fixed_number_of_queries(admin, url, extra, django_assert_num_queries):
    from intake.services.forms import builtins_seed
    from reminders.services.policy import reminder_policy_for

    builtins_seed(practice=admin.practice)
    reminder_policy_for(practice=admin.practice)
    client = signed_in_client(admin)
    _grow(admin.practice, 2)
    with django_assert_num_queries(SHELL_QUERIES + extra):
        assert client.get(url).status_code == 200
    _grow(admin.practice, 4)
    with django_assert_num_queries(SHELL_QUERIES + extra):
        assert client.get(url).status_code == 200
