from datetime import UTC, datetime, timedelta

import pytest

from core.errors import Conflict, DomainError, NotAllowed
from scheduling.models import Appointment, AppointmentClient, Status
from scheduling.services.appointment_changes import appointment_cancel
from scheduling.services.booking import appointment_book
from tests.factories.scheduling import AvailabilityExceptionFactory

T0 = datetime(2027, 2, 1, 15, 0, tzinfo=UTC)  # a Monday, 10:00 in New York


def book(s, start=T0, clinician=None, clients=None, mode="telehealth", room=None, actor=None, **kw):
    return appointment_book(
        actor=actor or s.front_desk,
        clinician=clinician or s.clinician,
        clients=clients or [s.client],
        appointment_type=s.session,
        starts_at=start,
        mode=mode,
        room=room,
        **kw,
    )


def test_booking_stores_span_and_occupied_with_buffers(sched):
    appt = book(sched)
    assert appt.ends_at == T0 + timedelta(minutes=50)
    assert appt.occupied.lower == T0 and appt.occupied.upper == T0 + timedelta(minutes=60)
    assert appt.status == Status.SCHEDULED and appt.booked_by == sched.front_desk
    assert list(appt.clients.all()) == [sched.client]


def test_overlap_for_the_same_clinician_is_409_naming_clinician_and_time(sched):
    book(sched)
    with pytest.raises(Conflict) as err:
        book(sched, start=T0 + timedelta(minutes=30), clients=[sched.client2])
    assert err.value.code == "clinician_taken"
    assert err.value.extra["resource"] == "clinician"
    assert err.value.extra["taken_from"] == T0.isoformat()
    assert "15:00" in err.value.message
    assert sched.client.last_name not in err.value.message


def test_buffer_after_counts_as_occupied_for_the_clinician(sched):
    book(sched)  # 15:00-15:50, buffer to 16:00
    with pytest.raises(Conflict):
        book(sched, start=T0 + timedelta(minutes=55), clients=[sched.client2])
    assert book(sched, start=T0 + timedelta(minutes=60), clients=[sched.client2]).pk


def test_back_to_back_without_buffers_is_allowed(sched):
    sched.session.buffer_after_minutes = 0
    sched.session.save()
    book(sched)
    assert book(sched, start=T0 + timedelta(minutes=50), clients=[sched.client2]).pk


def test_same_room_overlap_is_409_naming_room(sched):
    book(sched, mode="in_person", room=sched.room)
    with pytest.raises(Conflict) as err:
        book(
            sched,
            clinician=sched.clinician2,
            clients=[sched.client2],
            mode="in_person",
            room=sched.room,
            start=T0 + timedelta(minutes=10),
        )
    assert err.value.code == "room_taken"
    other_room = book(
        sched,
        clinician=sched.clinician2,
        clients=[sched.client2],
        mode="in_person",
        room=sched.room2,
        start=T0 + timedelta(minutes=10),
    )
    assert other_room.pk


def test_same_client_with_two_clinicians_is_409_naming_client(sched):
    book(sched)
    with pytest.raises(Conflict) as err:
        book(sched, clinician=sched.clinician2, clients=[sched.client2, sched.client], start=T0 + timedelta(minutes=20))
    assert err.value.code == "client_taken"
    assert not Appointment.objects.filter(clinician=sched.clinician2).exists()


def test_the_database_itself_refuses_an_overlap_written_around_the_services(sched):
    from django.db import IntegrityError, transaction

    first = book(sched)
    clone = Appointment(
        practice=sched.practice, clinician=sched.clinician, appointment_type=sched.session, mode="telehealth"
    )
    clone.set_times(T0 + timedelta(minutes=5), sched.session)
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save()
    second = book(sched, clinician=sched.clinician2, clients=[sched.client2], start=T0 + timedelta(hours=3))
    with pytest.raises(IntegrityError), transaction.atomic():
        # client2 added to `first` by hand while already in `second` at an overlapping time
        AppointmentClient.objects.create(
            practice=sched.practice,
            appointment=first,
            client=sched.client2,
            span=(second.starts_at, second.ends_at),
            is_active=True,
        )


def test_cancelled_appointment_frees_the_slot(sched):
    first = book(sched)
    appointment_cancel(actor=sched.front_desk, appointment=first, by="practice")
    assert book(sched, clients=[sched.client2]).pk


def test_time_off_blocks_booking_unless_staff_override(sched):
    AvailabilityExceptionFactory(
        clinician=sched.clinician, starts_at=T0 - timedelta(hours=1), ends_at=T0 + timedelta(hours=5)
    )
    with pytest.raises(Conflict) as err:
        book(sched)
    assert err.value.code == "clinician_unavailable"
    assert book(sched, outside_availability=True).pk


def test_in_person_needs_a_room_and_telehealth_takes_none(sched):
    with pytest.raises(DomainError) as err:
        book(sched, mode="in_person")
    assert "room" in err.value.fields
    with pytest.raises(DomainError):
        book(sched, mode="telehealth", room=sched.room)


def test_clinician_books_only_their_own_schedule(sched):
    actor = sched.clinician.membership
    assert book(sched, actor=actor).pk
    with pytest.raises(NotAllowed):  # a client of their own caseload, on a colleague's schedule
        book(sched, actor=actor, clinician=sched.clinician2, clients=[sched.client])


def test_a_client_no_longer_active_is_not_booked(sched):
    sched.client.is_active = False
    sched.client.save(update_fields=["is_active"])
    with pytest.raises(DomainError) as err:
        book(sched)
    assert list(err.value.fields) == ["clients"]
    assert not Appointment.objects.exists()


@pytest.mark.parametrize("what", ["membership", "user"])
def test_a_clinician_whose_membership_or_account_ended_is_not_booked(sched, what):
    membership = sched.clinician.membership
    target = membership if what == "membership" else membership.user
    target.is_active = False
    target.save(update_fields=["is_active"])
    with pytest.raises(DomainError) as err:
        book(sched)
    assert err.value.fields == {"clinician": ["This clinician is not active."]}
    assert not Appointment.objects.exists()
