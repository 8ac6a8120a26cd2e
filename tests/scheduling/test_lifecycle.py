from datetime import UTC, datetime, timedelta

import pytest

from core.errors import Conflict, InvalidTransition, NotAllowed
from scheduling.models import Status
from scheduling.services.appointment_changes import (
    appointment_cancel,
    appointment_delete,
    appointment_reschedule,
    appointment_transition,
)
from scheduling.services.booking import appointment_book, appointment_request

T0 = datetime(2027, 2, 1, 15, 0, tzinfo=UTC)


def book(s, start=T0, **kw):
    kw.setdefault("clients", [s.client])
    return appointment_book(
        actor=s.front_desk, clinician=s.clinician, appointment_type=s.session, starts_at=start, mode="telehealth", **kw
    )


def test_happy_path_scheduled_confirmed_checked_in_completed(sched):
    appt = book(sched)
    for status in (Status.CONFIRMED, Status.CHECKED_IN, Status.COMPLETED):
        appt = appointment_transition(actor=sched.front_desk, appointment=appt, to_status=status)
    assert appt.status == Status.COMPLETED
    assert [c.new_status for c in appt.changes.filter(kind="status")] == ["confirmed", "checked_in", "completed"]


@pytest.mark.parametrize("final", [Status.COMPLETED, Status.NO_SHOW])
def test_completed_and_no_show_cannot_move_or_change(sched, final):
    appt = book(sched)
    appt = appointment_transition(actor=sched.front_desk, appointment=appt, to_status=final)
    with pytest.raises(InvalidTransition) as err:
        appointment_reschedule(actor=sched.front_desk, appointment=appt, starts_at=T0 + timedelta(days=1))
    assert err.value.extra["current_status"] == final
    with pytest.raises(InvalidTransition) as err:
        appointment_transition(actor=sched.front_desk, appointment=appt, to_status=Status.CONFIRMED)
    assert final in err.value.message


def test_invalid_transition_names_current_status(sched):
    appt = book(sched)
    with pytest.raises(InvalidTransition) as err:
        appointment_transition(actor=sched.front_desk, appointment=appt, to_status=Status.DECLINED)
    assert err.value.status_code == 409 and err.value.extra == {"current_status": "scheduled"}


def test_no_show_frees_the_time_completed_keeps_it(sched):
    appt = book(sched)
    appointment_transition(actor=sched.front_desk, appointment=appt, to_status=Status.NO_SHOW)
    other = book(sched, clients=[sched.client2])
    appointment_transition(actor=sched.front_desk, appointment=other, to_status=Status.COMPLETED)
    with pytest.raises(Conflict):
        book(sched)


def test_reschedule_keeps_history(sched):
    appt = book(sched)
    new = T0 + timedelta(days=2, hours=1)
    appt = appointment_reschedule(actor=sched.clinician.membership, appointment=appt, starts_at=new, reason="Flu")
    change = appt.changes.get(kind="rescheduled")
    assert (change.old_starts_at, change.new_starts_at, change.changed_by, change.reason) == (
        T0,
        new,
        sched.clinician.membership,
        "Flu",
    )
    assert appt.participants.get().span.lower == new


def test_reschedule_into_a_taken_slot_is_409_and_leaves_the_appointment(sched):
    book(sched, clients=[sched.client2])
    appt = book(sched, start=T0 + timedelta(hours=2))
    with pytest.raises(Conflict):
        appointment_reschedule(actor=sched.front_desk, appointment=appt, starts_at=T0 + timedelta(minutes=30))
    appt.refresh_from_db()
    assert appt.starts_at == T0 + timedelta(hours=2) and not appt.changes.filter(kind="rescheduled").exists()


def test_client_cancel_outside_window_is_cancelled_inside_is_late(sched):
    now = T0 - timedelta(hours=48)
    early = appointment_cancel(actor=sched.portal, appointment=book(sched), now=now)
    assert early.status == Status.CANCELLED and early.cancelled_by_party == "client"
    late = appointment_cancel(actor=sched.portal, appointment=book(sched), now=T0 - timedelta(hours=3))
    assert late.status == Status.LATE_CANCELLED and late.cancelled_by == sched.portal


def test_practice_cancellation_inside_window_is_not_late(sched):
    appt = appointment_cancel(
        actor=sched.front_desk,
        appointment=book(sched),
        now=T0 - timedelta(hours=1),
        by="practice",
        reason="Clinician ill",
    )
    assert appt.status == Status.CANCELLED and appt.cancellation_reason == "Clinician ill"


def test_window_is_the_practice_setting(sched):
    sched.practice.cancellation_window_hours = 48
    sched.practice.save()
    appt = appointment_cancel(actor=sched.portal, appointment=book(sched), now=T0 - timedelta(hours=30))
    assert appt.status == Status.LATE_CANCELLED


def test_client_cannot_cancel_after_the_cutoff_or_someone_elses(sched):
    sched.practice.settings = {"client_cancel_cutoff_hours": 2}
    sched.practice.save()
    with pytest.raises(Conflict) as err:
        appointment_cancel(actor=sched.portal, appointment=book(sched), now=T0 - timedelta(hours=1))
    assert err.value.code == "past_cancellation_cutoff"
    other = book(sched, clients=[sched.client2], start=T0 + timedelta(days=1))
    with pytest.raises(NotAllowed):
        appointment_cancel(actor=sched.portal, appointment=other, now=T0 - timedelta(days=3))


def test_cancelled_cannot_be_cancelled_again(sched):
    appt = appointment_cancel(actor=sched.front_desk, appointment=book(sched))
    with pytest.raises(InvalidTransition):
        appointment_cancel(actor=sched.front_desk, appointment=appt)


def test_client_request_then_staff_accept_or_decline(sched):
    # 15:00 UTC is 10:00 or 11:00 in New York, inside the clinician's hours whatever time the suite runs at
    start = (datetime.now(UTC) + timedelta(days=5)).replace(hour=15, minute=0, second=0, microsecond=0)
    requested = appointment_request(
        actor=sched.portal,
        clinician=sched.clinician,
        appointment_type=sched.session,
        starts_at=start,
        mode="telehealth",
    )
    assert requested.status == Status.REQUESTED
    # a request holds no time: staff can still book over it, then accepting it conflicts
    accepted = appointment_transition(
        actor=sched.clinician.membership, appointment=requested, to_status=Status.SCHEDULED
    )
    assert accepted.status == Status.SCHEDULED
    second = appointment_request(
        actor=sched.portal,
        clinician=sched.clinician,
        appointment_type=sched.session,
        starts_at=start + timedelta(days=1),
        mode="telehealth",
    )
    declined = appointment_transition(actor=sched.front_desk, appointment=second, to_status=Status.DECLINED)
    assert declined.status == Status.DECLINED


def test_client_cannot_request_a_type_that_is_not_self_bookable(sched):
    from core.errors import DomainError

    sched.session.client_bookable = False
    sched.session.save()
    with pytest.raises(DomainError):
        appointment_request(
            actor=sched.portal,
            clinician=sched.clinician,
            appointment_type=sched.session,
            starts_at=datetime.now(UTC) + timedelta(days=5),
            mode="telehealth",
        )


def test_signed_session_note_blocks_moving_and_deleting(sched):
    from tests.factories.notes import signed_note

    appt = book(sched, start=datetime.now(UTC).replace(microsecond=0) - timedelta(days=1), outside_availability=True)
    signed_note(sched.clinician, sched.client, appointment=appt)
    with pytest.raises(Conflict) as err:
        appointment_reschedule(actor=sched.front_desk, appointment=appt, starts_at=T0, outside_availability=True)
    assert err.value.code == "note_signed"
    with pytest.raises(Conflict) as err:
        appointment_delete(actor=sched.front_desk, appointment=appt)
    assert err.value.code == "note_signed"


def test_supervisor_reads_but_cannot_change_supervisee_schedule(sched):
    from practice import roles
    from tests.factories.practice import ClinicianFactory, SupervisionFactory

    supervisor = ClinicianFactory(
        membership__practice=sched.practice, membership__roles=[roles.CLINICIAN, roles.SUPERVISOR]
    )
    SupervisionFactory(practice=sched.practice, supervisor=supervisor, supervisee=sched.clinician)
    appt = book(sched)
    from scheduling import selectors

    assert selectors.appointment_list(actor=supervisor.membership).filter(pk=appt.pk).exists()
    with pytest.raises(NotAllowed):
        appointment_transition(actor=supervisor.membership, appointment=appt, to_status=Status.CONFIRMED)
    with pytest.raises(NotAllowed):
        appointment_cancel(actor=supervisor.membership, appointment=appt)


def test_a_clinician_cannot_take_over_a_colleagues_availability_rule(sched):
    from practice import roles
    from scheduling.services.availability import availability_rule_save
    from tests.factories.practice import ClinicianFactory
    from tests.factories.scheduling import AvailabilityRuleFactory

    colleague = ClinicianFactory(membership__practice=sched.practice, membership__roles=[roles.CLINICIAN])
    theirs = AvailabilityRuleFactory(clinician=colleague)
    with pytest.raises(NotAllowed):
        availability_rule_save(actor=sched.clinician.membership, rule=theirs, clinician=sched.clinician)
    theirs.refresh_from_db()
    assert theirs.clinician == colleague
