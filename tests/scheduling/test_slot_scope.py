"""`slot_search_subjects` (the slot search's type and clinicians in one statement) writes the scope of
`appointment_type_list` and `bookable_clinicians` out in SQL: for every kind of actor, every kind of type and
clinician in and out of scope, its answer is the two selectors' answer."""

from __future__ import annotations

import pytest
from django.forms.models import model_to_dict

from practice import roles
from scheduling.selectors import appointment_type_list, bookable_clinicians
from scheduling.sql_selectors import slot_search_subjects
from tests.factories.practice import (
    CareTeamMemberFactory,
    ClientFactory,
    ClinicianFactory,
    MembershipFactory,
    PracticeFactory,
)
from tests.factories.scheduling import AppointmentTypeFactory
from tests.scheduling.conftest import build_sched


def _selectors(actor, type_id, clinician_ids):
    kind = appointment_type_list(actor=actor).filter(pk=type_id, is_active=True).first()
    clinicians = bookable_clinicians(actor=actor)
    if clinician_ids:
        clinicians = clinicians.filter(pk__in=clinician_ids)
    return kind, [(c.pk, c.time_zone) for c in clinicians.order_by("pk")]


@pytest.mark.django_db
def test_the_combined_read_answers_what_the_two_selectors_answer_for_every_actor():
    s = build_sched()
    practice = s.practice
    elsewhere = PracticeFactory()
    inactive = ClinicianFactory(membership__practice=practice, is_active=False, time_zone="Europe/Paris")
    CareTeamMemberFactory(practice=practice, client=s.client, clinician=inactive)  # on the team, not bookable
    other_zone = ClinicianFactory(membership__practice=practice, time_zone="Asia/Kathmandu")
    foreign = ClinicianFactory(membership__practice=elsewhere)
    second_portal = MembershipFactory(practice=practice, roles=[roles.CLIENT])
    CareTeamMemberFactory(  # a second client record's team, not this portal's
        practice=practice,
        client=ClientFactory(practice=practice, portal_membership=second_portal),
        clinician=other_zone,
    )
    types = [
        s.session,  # client-bookable
        AppointmentTypeFactory(practice=practice, client_bookable=False, name="Staff only"),
        AppointmentTypeFactory(practice=practice, client_bookable=True, is_active=False, name="Retired"),
        AppointmentTypeFactory(practice=elsewhere, client_bookable=True, name="Elsewhere"),
    ]
    actors = [
        s.front_desk,
        MembershipFactory(practice=practice, roles=[roles.ADMIN]),
        s.clinician.membership,
        s.portal,  # a client: their care team (clinician, and the inactive one)
        second_portal,
        MembershipFactory(practice=practice, roles=[roles.CLIENT]),  # a client without a client record
        MembershipFactory(practice=elsewhere, roles=[roles.FRONT_DESK]),
    ]
    named = [
        None,
        [s.clinician.pk],
        [s.clinician.pk, s.clinician2.pk, other_zone.pk],
        [inactive.pk],
        [foreign.pk],
        [2**63, s.clinician.pk],  # beyond bigint: names nothing
    ]
    seen = set()
    for actor in actors:
        for type_id in [t.pk for t in types] + [max(t.pk for t in types) + 1, 2**70]:
            for ids in named:
                kind, clinicians = slot_search_subjects(actor=actor, appointment_type_id=type_id, clinician_ids=ids)
                want_kind, want_clinicians = _selectors(actor, type_id, [pk for pk in ids or [] if pk < 2**63])
                assert (kind is None) == (want_kind is None), (actor.roles, type_id, ids)
                if kind is None:
                    continue
                assert model_to_dict(kind) == model_to_dict(want_kind)
                assert [(c.pk, c.time_zone) for c in clinicians] == want_clinicians, (actor.roles, ids)
                seen.add((actor.pk, bool(clinicians)))
    # the cases are not all empty: a staff actor and a client both get clinicians somewhere, and some actor none
    assert (s.front_desk.pk, True) in seen and (s.portal.pk, True) in seen
    assert any(not has for _, has in seen)


@pytest.mark.django_db
def test_the_clinicians_come_with_their_zone_and_the_rest_deferred(django_assert_num_queries):
    s = build_sched()
    with django_assert_num_queries(1):
        kind, clinicians = slot_search_subjects(actor=s.front_desk, appointment_type_id=s.session.pk)
    assert kind.pk == s.session.pk and kind.buffer_after_minutes == 10
    assert [c.pk for c in clinicians] == sorted([s.clinician.pk, s.clinician2.pk])
    assert clinicians[0].get_deferred_fields() >= {"membership_id", "credentials"}
