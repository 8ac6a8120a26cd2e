"""The booking's reads written once (`booking_clinician_read`, `booking_clients_read`) answer what the selectors
answer: for every role, the clinician of `clinician_list` with the type of `appointment_type_list`, the clients of
`client_list`, or nothing (the caller then asks the selector); and they hold what the ORM would have held, field for
field."""

from __future__ import annotations

import pytest
from django.forms.models import model_to_dict

from practice import roles
from practice.selectors import booking_clients_read, client_list, clinician_list
from reminders.services.policy import reminder_policy_for
from scheduling.selectors import appointment_type_list
from scheduling.sql_selectors import booking_clinician_read
from tests.factories.practice import CareTeamMemberFactory, ClientFactory, ClinicianFactory, MembershipFactory
from tests.factories.scheduling import AppointmentTypeFactory
from tests.scheduling.conftest import build_sched


def _fields(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role", [roles.FRONT_DESK, roles.ADMIN, roles.CLINICIAN, roles.SUPERVISOR, roles.CLIENT, "front_desk+clinician"]
)
def test_it_answers_what_the_selectors_answer_for_every_role_clinician_and_type(role):
    s = build_sched()
    reminder_policy_for(practice=s.practice)
    other = build_sched()  # another practice: its clinician and type are never found
    actor = MembershipFactory(practice=s.practice, roles=role.split("+"))
    if role == roles.CLIENT:
        ClientFactory(practice=s.practice, portal_membership=actor)
    retired = AppointmentTypeFactory(practice=s.practice, is_active=False)  # staff see it; the booking rules refuse it
    for clinician in (s.clinician, s.clinician2, other.clinician):
        for kind in (s.session, retired, other.session, None):
            type_pk = kind.pk if kind else None
            read = booking_clinician_read(actor=actor, pk=clinician.pk, appointment_type_pk=type_pk)
            expected = clinician_list(actor=actor).filter(pk=clinician.pk).first()
            if not actor.is_staff_member:
                assert read is None  # the caller asks clinician_list itself
                continue
            assert (read and read.pk) == (expected and expected.pk)
            if read is None:
                continue
            in_scope = appointment_type_list(actor=actor).filter(pk=type_pk).first() if type_pk else None
            assert (read.booked_type and read.booked_type.pk) == (in_scope and in_scope.pk)
            assert read.booked_type_in_scope == (in_scope is not None)
            if in_scope is not None:
                assert model_to_dict(read.booked_type) == model_to_dict(in_scope)


@pytest.mark.django_db
def test_it_holds_what_select_related_holds_field_for_field_and_reads_nothing_more(django_assert_num_queries):
    s = build_sched()
    reminder_policy_for(practice=s.practice)
    with django_assert_num_queries(1):
        read = booking_clinician_read(actor=s.front_desk, pk=s.clinician.pk, appointment_type_pk=s.session.pk)
        held = (read.membership, read.membership.user, read.practice, read.practice.reminder_policy, read.booked_type)
        assert read.practice.reminder_policy.practice is read.practice
    orm = clinician_list(actor=s.front_desk).select_related("practice__reminder_policy").get(pk=s.clinician.pk)
    expected = (orm.membership, orm.membership.user, orm.practice, orm.practice.reminder_policy, s.session)
    assert _fields(read) == _fields(orm)
    for mine, theirs in zip(held, expected, strict=True):
        assert type(mine) is type(theirs)
        assert _fields(mine) == _fields(theirs)  # a JSON field parsed (the policy's steps, the practice's settings)
        assert not mine._state.adding and mine._state.db == "default"
    assert isinstance(read.practice.reminder_policy.steps, list)


@pytest.mark.django_db
def test_a_practice_without_a_reminder_policy_yet_holds_none_as_select_related_does(django_assert_num_queries):
    s = build_sched()
    read = booking_clinician_read(actor=s.front_desk, pk=s.clinician.pk, appointment_type_pk=None)
    with django_assert_num_queries(0):
        assert getattr(read.practice, "reminder_policy", None) is None
        assert read.booked_type is None


@pytest.mark.django_db
def test_a_clinician_on_a_clients_care_team_is_still_read_through_the_selector_for_the_client():
    """A client's scope (their care team) is clinician_list's alone: this read answers staff only."""
    s = build_sched()
    CareTeamMemberFactory(
        practice=s.practice, client=s.client, clinician=ClinicianFactory(membership__practice=s.practice)
    )
    assert booking_clinician_read(actor=s.portal, pk=s.clinician.pk, appointment_type_pk=s.session.pk) is None
    assert clinician_list(actor=s.portal).filter(pk=s.clinician.pk).exists()


CLIENT_ROLES = [roles.FRONT_DESK, roles.ADMIN, roles.CLINICIAN, roles.SUPERVISOR, roles.CLIENT, "admin+clinician"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", CLIENT_ROLES)
def test_the_clients_read_answers_what_client_list_answers_for_every_role(role):
    s = build_sched()
    other = build_sched()
    actor = MembershipFactory(practice=s.practice, roles=role.split("+"))
    if role == roles.CLIENT:
        ClientFactory(practice=s.practice, portal_membership=actor)
    retired = ClientFactory(practice=s.practice, is_active=False)  # in scope; the booking rules refuse it
    pks = [s.client.pk, s.client2.pk, retired.pk, other.client.pk, 10**9]
    read = booking_clients_read(actor=actor, pks=pks)
    if not actor.has_role(roles.ADMIN, roles.FRONT_DESK):
        assert read is None  # a caseload, or a client's own record: the caller asks client_list
        return
    expected = {c.pk: c for c in client_list(actor=actor).filter(pk__in=pks)}
    assert set(read) == set(expected) == {s.client.pk, s.client2.pk, retired.pk}
    for pk, client in read.items():
        assert type(client) is type(expected[pk])
        assert _fields(client) == _fields(expected[pk])
        assert not client._state.adding and client._state.db == "default"
