"""One check-in per client per completed session, through the outbox; never for a cancelled or no-show session,
never twice, never without consent or after the client turned them off; the message says nothing clinical."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.core import mail
from django.utils import timezone

from intake.invitations import packet_link_path
from intake.models import Packet, SessionCheckIn
from intake.services.checkins import checkins_for_completed_session
from practice.models import Practice
from reminders.models import OutboundMessage
from scheduling.models import Appointment
from scheduling.services.appointment_changes import appointment_cancel, appointment_transition
from tests.checkins.helpers import answer, complete, session
from tests.factories.practice import CareTeamMemberFactory, ClientFactory
from tests.reminders.outbox import outbox_deliver

pytestmark = pytest.mark.django_db
Kind = OutboundMessage.Kind
St = OutboundMessage.Status


def _checkin_rows():
    return list(OutboundMessage.objects.filter(kind=Kind.SESSION_CHECKIN).order_by("pk"))


def test_completing_a_session_queues_one_checkin_per_consenting_client(world):
    partner = ClientFactory(practice=world.p.practice, first_name="Grace")
    CareTeamMemberFactory(practice=world.p.practice, client=partner, clinician=world.p.clinician)
    appointment = session(world, clients=[world.p.client_a, partner])
    complete(world, appointment)
    checkins = list(SessionCheckIn.objects.filter(appointment=appointment).order_by("client_id"))
    assert [c.client_id for c in checkins] == sorted([world.p.client_a.pk, partner.pk])
    rows = _checkin_rows()
    assert sorted((r.client_id, r.subject_id, r.status) for r in rows) == sorted(
        (c.client_id, str(c.pk), St.PENDING) for c in checkins
    )
    # linked to the appointment, expiring after the default 7 days, a response to the session check-in
    c = checkins[0]
    assert c.session_at == appointment.starts_at
    assert c.expires_at - c.created_at == timedelta(days=7)
    assert c.response.version.form.slug == "session-check-in" and c.response.packet_id == c.packet_id


@pytest.mark.parametrize("status", ["cancelled", "no_show"])
def test_no_checkin_for_a_cancelled_or_no_show_session(world, status):
    appointment = session(world)
    if status == "cancelled":
        appointment_cancel(actor=world.p.members["front_desk"], appointment=appointment)
    else:
        appointment_transition(actor=world.p.members["front_desk"], appointment=appointment, to_status=status)
    checkins_for_completed_session(appointment=Appointment.objects.get(pk=appointment.pk))  # the hook, by hand
    assert not SessionCheckIn.objects.exists() and not _checkin_rows()


def test_never_twice_completed_twice_or_reverted_and_completed_again(world):
    appointment = session(world)
    complete(world, appointment)
    checkins_for_completed_session(appointment=Appointment.objects.get(pk=appointment.pk))  # the hook again
    # reverted (as a correction would) and marked completed again
    Appointment.objects.filter(pk=appointment.pk).update(status="checked_in")
    complete(world, Appointment.objects.get(pk=appointment.pk))
    assert SessionCheckIn.objects.filter(appointment=appointment).count() == 1
    assert len(_checkin_rows()) == 1
    assert outbox_deliver() == [St.SENT]
    assert outbox_deliver() == [] and len(mail.outbox) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"email_consent": False},
        {"preferred_channel": "none"},
        {"email": ""},
        {"wants_session_checkins": False},
        {"is_active": False},
    ],
)
def test_no_checkin_without_consent_or_when_the_client_turned_them_off(world, change):
    for field, value in change.items():
        setattr(world.p.client_a, field, value)
    world.p.client_a.save()
    complete(world, session(world))
    assert not SessionCheckIn.objects.exists() and not _checkin_rows()


def test_turned_off_after_queueing_nothing_is_sent(world):
    complete(world, session(world))
    world.p.client_a.wants_session_checkins = False
    world.p.client_a.save()
    assert outbox_deliver() == [St.SKIPPED]
    assert _checkin_rows()[0].skip_reason == "checkins_turned_off" and not mail.outbox


def test_the_client_turns_checkins_off_through_the_api(world):
    api = world.client_for("client")
    answer_ = api.patch(f"/api/v1/clients/{world.p.client_a.pk}/", {"wants_session_checkins": False}, format="json")
    assert answer_.status_code == 200 and answer_.json()["wants_session_checkins"] is False
    complete(world, session(world))
    assert not SessionCheckIn.objects.exists()


def test_practice_setting_off_sends_nothing(world):
    world.p.practice.settings = {**world.p.practice.settings, "session_checkins_enabled": False}
    world.p.practice.save()
    complete(world, session(world))
    assert not SessionCheckIn.objects.exists() and not _checkin_rows()


def test_expiry_days_is_a_practice_setting(world):
    world.p.practice.settings = {**world.p.practice.settings, "session_checkin_expiry_days": 3}
    world.p.practice.save()
    complete(world, session(world))
    checkin = SessionCheckIn.objects.get()
    assert checkin.expires_at - checkin.created_at == timedelta(days=3)


def test_the_message_is_a_link_with_no_clinical_content(world, client):
    world.p.clinician.membership.user.full_name = "Dr Margaret Hamilton"
    world.p.clinician.membership.user.save()
    complete(world, session(world))
    assert outbox_deliver() == [St.SENT]
    [email] = mail.outbox
    checkin = SessionCheckIn.objects.get()
    text = email.subject + email.body
    assert world.p.practice.name in email.subject
    assert packet_link_path(checkin.packet) in email.body
    form_text = [checkin.response.version.form.name, "alliance", "therapist", "strain", "misunderstood", "Hamilton"]
    for q in checkin.response.version.content["sections"]:
        form_text += [x["label"] for x in q["questions"]]
    assert not [t for t in form_text if t.lower() in text.lower()]
    # the link opens the check-in on the form page
    page = client.get(packet_link_path(checkin.packet))
    assert page.status_code == 200 and "Your check-in" in page.content.decode()
    assert 'data-qid="felt_strain"' in page.content.decode()


def test_an_answered_or_expired_checkin_is_not_sent(world):
    complete(world, session(world))
    answer(SessionCheckIn.objects.get())
    assert outbox_deliver() == [St.CANCELLED]
    assert _checkin_rows()[0].skip_reason == "checkin_answered"


def test_an_expired_checkin_opens_nothing_and_cannot_be_answered(world, client):
    from core.errors import Conflict

    complete(world, session(world))
    checkin = SessionCheckIn.objects.get()
    SessionCheckIn.objects.filter(pk=checkin.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert client.get(packet_link_path(checkin.packet)).status_code == 404
    with pytest.raises(Conflict):
        answer(checkin)
    assert outbox_deliver() == [St.CANCELLED]


def test_a_checkin_is_answered_once(world):
    from core.errors import Conflict
    from intake.services.responses import response_amend

    complete(world, session(world))
    checkin = answer(SessionCheckIn.objects.get(), felt_strain="a_lot", talked_through="not_at_all")
    assert checkin.answered_at is not None
    assert Packet.objects.get(pk=checkin.packet_id).status == Packet.Status.COMPLETED
    with pytest.raises(Conflict) as raised:
        response_amend(actor=world.p.members["client"], response=checkin.response)
    assert raised.value.code == "checkin_answered_once"


def test_the_nudge_never_nudges_a_checkin(world):
    from intake.services.nudges import intake_nudges_queue

    complete(world, session(world))
    session(world, days_ago=-1)  # a next session tomorrow
    assert intake_nudges_queue() == 0


def test_existing_practices_start_with_checkins_off_and_new_ones_on(world):
    migration = importlib.import_module("practice.migrations.0004_session_checkins_off_for_existing")
    Practice.objects.filter(pk=world.q.practice.pk).update(settings={"mfa_required": False})
    migration.checkins_off_for_existing(apps, None)
    assert Practice.objects.get(pk=world.q.practice.pk).settings["session_checkins_enabled"] is False
    assert Practice.objects.create(name="New", slug="new").settings["session_checkins_enabled"] is True
