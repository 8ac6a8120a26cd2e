"""Changing where an appointment happens (mode, room, video link) without moving it: PATCH /appointments/{id}/."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from core.errors import Conflict, NotAllowed
from practice.models import AuditEvent
from reminders.models import OutboundMessage
from scheduling.models import Appointment, AppointmentChange, Status
from scheduling.services.appointment_changes import appointment_cancel, appointment_change_place
from scheduling.services.booking import appointment_book
from tests.factories.reminders import ReminderPolicyFactory
from tests.factories.scheduling import RoomFactory
from tests.reminders.outbox import outbox_deliver
from tests.scheduling.test_api_flows import api_for

Kind = OutboundMessage.Kind
St = OutboundMessage.Status
LINK = "https://video.example.test/session-1"


def _start(days: int = 10) -> datetime:
    return (timezone.now() + timedelta(days=days)).astimezone(UTC).replace(hour=15, minute=0, second=0, microsecond=0)


def _book(s, *, clinician=None, client=None, start=None, mode="in_person", room=None, video_link=""):
    if mode == "in_person" and room is None:
        room = s.room
    return appointment_book(
        actor=s.front_desk,
        clinician=clinician or s.clinician,
        clients=[client or s.client],
        appointment_type=s.session,
        starts_at=start or _start(),
        mode=mode,
        room=room,
        video_link=video_link,
        outside_availability=True,
    )


def _place_audits(appointment):
    return AuditEvent.objects.filter(
        object_type="scheduling.appointment", object_id=str(appointment.pk), action=AuditEvent.Action.UPDATE
    )


def _patch(membership, appointment, body):
    return api_for(membership).patch(f"/api/v1/appointments/{appointment.pk}/", body, format="json")


# --- who ------------------------------------------------------------------------------------------------


def test_front_desk_moves_an_online_session_into_a_room_and_the_link_goes(sched):
    appt = _book(sched, mode="telehealth", video_link=LINK)
    response = _patch(sched.front_desk, appt, {"mode": "in_person", "room": sched.room.pk})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["mode"], body["room"], body["video_link"]) == ("in_person", sched.room.pk, "")
    assert body["location"] == sched.room.location.name
    assert body["status"] == "scheduled"
    assert Appointment.objects.get(pk=appt.pk).starts_at == appt.starts_at
    change = AppointmentChange.objects.get(appointment=appt, kind="place_changed")
    assert change.changed_by == sched.front_desk and change.old_starts_at is None
    [event] = _place_audits(appt)
    assert event.detail == {
        "fields": ["mode", "room", "video_link"],
        "mode": {"from": "telehealth", "to": "in_person"},
        "room": {"from": None, "to": sched.room.pk},
    }
    assert LINK not in str(event.detail)
    assert event.acting_role == "front_desk"


def test_a_clinician_changes_the_room_of_their_own_appointment(sched):
    appt = _book(sched)
    response = _patch(sched.clinician.membership, appt, {"room": sched.room2.pk})
    assert response.status_code == 200, response.content
    assert response.json()["room"] == sched.room2.pk
    appt.refresh_from_db()
    assert (appt.room_id, appt.mode) == (sched.room2.pk, "in_person")
    [event] = _place_audits(appt)
    assert event.detail == {"fields": ["room"], "room": {"from": sched.room.pk, "to": sched.room2.pk}}


def test_a_clinician_going_online_drops_the_room(sched):
    appt = _book(sched)
    response = _patch(sched.clinician.membership, appt, {"mode": "telehealth", "video_link": LINK})
    assert response.status_code == 200, response.content
    appt.refresh_from_db()
    assert (appt.mode, appt.room_id, appt.video_link) == ("telehealth", None, LINK)


def test_a_clinician_cannot_change_a_colleagues_appointment(sched):
    appt = _book(sched, clinician=sched.clinician2, client=sched.client2)
    response = _patch(sched.clinician.membership, appt, {"room": sched.room2.pk})
    assert response.status_code == 404
    appt.refresh_from_db()
    assert appt.room_id == sched.room.pk
    # The service refuses too, whatever the caller's lookup.
    with pytest.raises(NotAllowed):
        appointment_change_place(actor=sched.clinician.membership, appointment=appt, room=sched.room2)


def test_the_client_and_a_supervisor_may_not_change_the_place(sched):
    from practice import roles
    from tests.factories.practice import ClinicianFactory, SupervisionFactory

    appt = _book(sched)
    assert _patch(sched.portal, appt, {"room": sched.room2.pk}).status_code == 403
    supervisor = ClinicianFactory(
        membership__practice=sched.practice, membership__roles=[roles.CLINICIAN, roles.SUPERVISOR]
    )
    SupervisionFactory(practice=sched.practice, supervisor=supervisor, supervisee=sched.clinician)
    assert _patch(supervisor.membership, appt, {"room": sched.room2.pk}).status_code == 403
    appt.refresh_from_db()
    assert appt.room_id == sched.room.pk
    assert not _place_audits(appt).exists()


# --- what -----------------------------------------------------------------------------------------------


def test_a_taken_room_is_409_room_taken_and_nothing_changes(sched):
    start = _start()
    _book(sched, room=sched.room, start=start)
    other = _book(sched, clinician=sched.clinician2, client=sched.client2, room=sched.room2, start=start)
    response = _patch(sched.front_desk, other, {"room": sched.room.pk})
    assert response.status_code == 409
    error = response.json()["error"]
    assert (error["code"], error["resource"]) == ("room_taken", "room")
    assert error["taken_from"] == start.isoformat()
    assert sched.client.last_name not in str(error)
    other.refresh_from_db()
    assert other.room_id == sched.room2.pk
    assert not AppointmentChange.objects.filter(appointment=other, kind="place_changed").exists()
    assert not _place_audits(other).exists()


def test_a_room_freed_by_a_cancellation_can_be_taken(sched):
    start = _start()
    first = _book(sched, room=sched.room, start=start)
    other = _book(sched, clinician=sched.clinician2, client=sched.client2, room=sched.room2, start=start)
    appointment_cancel(actor=sched.front_desk, appointment=first)
    assert _patch(sched.front_desk, other, {"room": sched.room.pk}).status_code == 200
    other.refresh_from_db()
    assert other.room_id == sched.room.pk


def test_telehealth_without_a_video_link_is_400_on_video_link(sched):
    appt = _book(sched)
    response = _patch(sched.front_desk, appt, {"mode": "telehealth"})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["video_link"]
    appt.refresh_from_db()
    assert (appt.mode, appt.room_id) == ("in_person", sched.room.pk)


def test_the_booking_rules_apply_room_for_in_person_and_none_online(sched):
    online = _book(sched, mode="telehealth", video_link=LINK)
    response = _patch(sched.front_desk, online, {"mode": "in_person"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"room": ["An in-person appointment needs a room."]}
    response = _patch(sched.front_desk, online, {"room": sched.room.pk})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"room": ["A telehealth appointment takes no room."]}
    response = _patch(sched.front_desk, online, {"video_link": "not a url"})
    assert response.status_code == 400 and "video_link" in response.json()["error"]["fields"]


def test_a_mode_the_appointment_type_does_not_allow_is_400_on_mode(sched):
    sched.session.allows_telehealth = False
    sched.session.save()
    appt = _book(sched)
    response = _patch(sched.front_desk, appt, {"mode": "telehealth", "video_link": LINK})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["mode"]


def test_a_room_of_another_practice_answers_like_an_unknown_id(sched):
    appt = _book(sched)
    foreign_room = RoomFactory()  # a location of another practice
    unknown_id = foreign_room.pk + 1000
    foreign = _patch(sched.front_desk, appt, {"room": foreign_room.pk})
    unknown = _patch(sched.front_desk, appt, {"room": unknown_id})
    assert (foreign.status_code, unknown.status_code) == (400, 400)
    assert foreign.json()["error"]["fields"]["room"] == [f'Invalid pk "{foreign_room.pk}" - object does not exist.']
    assert unknown.json()["error"]["fields"]["room"] == [f'Invalid pk "{unknown_id}" - object does not exist.']
    appt.refresh_from_db()
    assert appt.room_id == sched.room.pk


def test_an_unknown_field_is_400_naming_it_and_the_time_does_not_move(sched):
    appt = _book(sched)
    start = appt.starts_at
    later = (start + timedelta(hours=2)).isoformat()
    response = _patch(sched.front_desk, appt, {"room": sched.room2.pk, "starts_at": later})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["starts_at"]
    appt.refresh_from_db()
    assert (appt.room_id, appt.starts_at) == (sched.room.pk, start)


def test_giving_the_same_place_changes_and_records_nothing(sched):
    appt = _book(sched)
    response = _patch(sched.front_desk, appt, {"mode": "in_person", "room": sched.room.pk})
    assert response.status_code == 200
    assert not AppointmentChange.objects.filter(appointment=appt, kind="place_changed").exists()
    assert not _place_audits(appt).exists()


# --- when -----------------------------------------------------------------------------------------------


def test_a_cancelled_appointment_is_409(sched):
    appt = _book(sched)
    appointment_cancel(actor=sched.front_desk, appointment=appt)
    response = _patch(sched.front_desk, appt, {"room": sched.room2.pk})
    assert response.status_code == 409
    error = response.json()["error"]
    assert (error["code"], error["current_status"]) == ("invalid_transition", Status.CANCELLED)
    assert Appointment.objects.get(pk=appt.pk).room_id == sched.room.pk


def test_an_appointment_that_has_started_is_409(sched):
    appt = _book(sched, start=timezone.now().replace(microsecond=0) - timedelta(minutes=10))
    response = _patch(sched.front_desk, appt, {"room": sched.room2.pk})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "appointment_started"


def test_a_signed_session_note_blocks_the_change(sched):
    from tests.factories.notes import signed_note

    start = timezone.now().replace(microsecond=0) - timedelta(days=1)
    appt = _book(sched, start=start)
    signed_note(sched.clinician, sched.client, appointment=appt)
    with pytest.raises(Conflict) as err:
        appointment_change_place(
            actor=sched.front_desk, appointment=appt, room=sched.room2, now=start - timedelta(hours=1)
        )
    assert err.value.code == "note_signed"


# --- what the client is told ----------------------------------------------------------------------------


def _notices(appointment, **filters):
    return list(OutboundMessage.objects.filter(appointment=appointment, kind=Kind.DETAILS_CHANGED, **filters))


def test_a_new_location_is_told_to_the_client_with_nothing_clinical(sched):
    ReminderPolicyFactory(practice=sched.practice, send_confirmation=False)
    appt = _book(sched)
    elsewhere = RoomFactory(location__practice=sched.practice, location__name="Harbour Street office")
    elsewhere.location.address = "12 Harbour Street"
    elsewhere.location.save()
    response = _patch(sched.front_desk, appt, {"room": elsewhere.pk})
    assert response.status_code == 200
    [notice] = _notices(appt)
    assert (notice.client_id, notice.status, notice.scheduled_for) == (sched.client.pk, St.PENDING, appt.starts_at)
    [reminder] = OutboundMessage.objects.filter(appointment=appt, kind=Kind.REMINDER)
    assert reminder.status == St.PENDING  # same time: the reminder stays, and will tell the new place

    assert outbox_deliver() == [St.SENT]
    [email] = mail.outbox
    assert "has a new place" in email.subject
    assert "Where: Harbour Street office, 12 Harbour Street" in email.body
    for clinical in (sched.clinician.display_name, sched.session.name, sched.room.name, elsewhere.name):
        assert clinical not in email.body and clinical not in email.subject

    outbox_deliver(now=reminder.due_at)
    assert "Harbour Street office" in mail.outbox[-1].body


def test_going_online_tells_the_link(sched):
    ReminderPolicyFactory(practice=sched.practice, send_confirmation=False)
    appt = _book(sched)
    _patch(sched.front_desk, appt, {"mode": "telehealth", "video_link": LINK})
    assert [n.status for n in _notices(appt)] == [St.PENDING]
    outbox_deliver()
    assert f"Online: {LINK}" in mail.outbox[-1].body


def test_another_room_at_the_same_location_sends_no_notice(sched):
    ReminderPolicyFactory(practice=sched.practice, send_confirmation=False)
    appt = _book(sched)
    assert _patch(sched.front_desk, appt, {"room": sched.room2.pk}).status_code == 200
    assert _notices(appt) == []
    assert AppointmentChange.objects.filter(appointment=appt, kind="place_changed").exists()


def test_a_waiting_notice_carries_the_latest_place_and_a_sent_one_is_followed_by_another(sched):
    ReminderPolicyFactory(practice=sched.practice, send_confirmation=False)
    appt = _book(sched, mode="telehealth", video_link=LINK)
    _patch(sched.front_desk, appt, {"video_link": LINK + "-b"})
    _patch(sched.front_desk, appt, {"video_link": LINK + "-c"})
    assert [n.status for n in _notices(appt)] == [St.PENDING]  # one waiting notice; it renders at send time
    outbox_deliver()
    assert f"Online: {LINK}-c" in mail.outbox[-1].body
    _patch(sched.front_desk, appt, {"video_link": LINK + "-d"})
    assert sorted(n.status for n in _notices(appt)) == [St.PENDING, St.SENT]


def test_a_waiting_confirmation_tells_the_new_place_instead_of_a_notice(sched):
    ReminderPolicyFactory(practice=sched.practice, send_confirmation=True)
    appt = _book(sched, mode="telehealth", video_link=LINK)
    _patch(sched.front_desk, appt, {"video_link": LINK + "-b"})
    assert _notices(appt) == []
    outbox_deliver()
    [email] = mail.outbox
    assert "is booked" in email.subject and f"Online: {LINK}-b" in email.body


def test_no_notice_when_the_practice_sends_no_change_notices(sched):
    ReminderPolicyFactory(practice=sched.practice, send_confirmation=False, send_change_notices=False)
    appt = _book(sched, mode="telehealth", video_link=LINK)
    assert _patch(sched.front_desk, appt, {"video_link": LINK + "-b"}).status_code == 200
    appt.refresh_from_db()
    assert appt.video_link == LINK + "-b"  # the place changed (what the client is told): still no notice
    assert _notices(appt) == []


def test_a_reschedule_after_a_change_of_place_cancels_the_waiting_notice(sched):
    from scheduling.services.appointment_changes import appointment_reschedule

    ReminderPolicyFactory(practice=sched.practice, send_confirmation=False)
    appt = _book(sched, mode="telehealth", video_link=LINK)
    _patch(sched.front_desk, appt, {"video_link": LINK + "-b"})
    later = appt.starts_at + timedelta(days=1)
    appointment_reschedule(actor=sched.front_desk, appointment=appt, starts_at=later, outside_availability=True)
    [notice] = _notices(appt)
    assert (notice.status, notice.skip_reason) == (St.CANCELLED, "appointment_moved")
    assert OutboundMessage.objects.get(appointment=appt, kind=Kind.RESCHEDULED).status == St.PENDING


def test_resending_a_failed_notice_while_a_newer_one_waits_is_409(sched):
    from reminders.services.frontdesk import outbound_message_resend

    ReminderPolicyFactory(practice=sched.practice, send_confirmation=False)
    appt = _book(sched, mode="telehealth", video_link=LINK)
    _patch(sched.front_desk, appt, {"video_link": LINK + "-b"})
    [failed] = _notices(appt)
    OutboundMessage.objects.filter(pk=failed.pk).update(status=St.FAILED, last_error="smtp 550")
    _patch(sched.front_desk, appt, {"video_link": LINK + "-c"})
    [waiting] = _notices(appt, status=St.PENDING)
    with pytest.raises(Conflict) as err:
        outbound_message_resend(actor=sched.front_desk, message=failed)
    assert err.value.code == "notice_queued"
    assert OutboundMessage.objects.get(pk=failed.pk).status == St.FAILED
    outbox_deliver()
    assert OutboundMessage.objects.get(pk=waiting.pk).status == St.SENT
    assert outbound_message_resend(actor=sched.front_desk, message=failed).status == St.PENDING
