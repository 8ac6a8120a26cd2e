"""The outbox carries more than appointment messages: intake nudges before the first session, and the
database rule that a message about a subject exists once per recipient and kind."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from intake.invitations import packet_from_token, packet_link_path
from intake.models import Packet
from intake.services.nudges import intake_nudges_queue
from intake.tasks import intake_nudges_queue_task
from reminders.models import OutboundMessage
from tests.factories.intake import packet_for
from tests.factories.reminders import appointment_row
from tests.reminders.outbox import outbox_deliver

pytestmark = pytest.mark.django_db
Kind = OutboundMessage.Kind
St = OutboundMessage.Status


def _packet(world, client=None, *, assigned_ago=timedelta(days=5)):
    packet = packet_for(client or world.p.client_a, "phq-9", "consent-for-services")
    Packet.objects.filter(pk=packet.pk).update(created_at=timezone.now() - assigned_ago)
    packet.refresh_from_db()
    return packet


def _first_session(world, in_hours, client=None, status="scheduled", clinician=None):
    return appointment_row(
        clinician=clinician or world.p.clinician,
        clients=[client or world.p.client_a],
        status=status,
        starts_at=timezone.now() + timedelta(hours=in_hours),
    )


def _nudges():
    return list(OutboundMessage.objects.filter(kind=Kind.INTAKE_NUDGE))


def test_an_incomplete_packet_is_nudged_once_48_hours_before_the_first_session(world):
    packet = _packet(world)
    appointment = _first_session(world, in_hours=60)
    assert intake_nudges_queue() == 0  # not yet: the session is 60 h away
    later = timezone.now() + timedelta(hours=13)  # now 47 h before the session
    assert intake_nudges_queue(now=later) == 1
    assert intake_nudges_queue(now=later) == 0
    assert intake_nudges_queue(now=later + timedelta(hours=10)) == 0  # later runs: still one
    [row] = _nudges()
    assert (row.client_id, row.subject_type, row.subject_id, row.status, row.scheduled_for) == (
        world.p.client_a.pk,
        "intake.packet",
        str(packet.pk),
        St.PENDING,
        appointment.starts_at,
    )

    assert outbox_deliver(now=later) == ["sent"]
    assert outbox_deliver(now=later + timedelta(minutes=5)) == []
    [email] = mail.outbox
    assert email.to == [world.p.client_a.email]
    assert world.p.practice.name in email.body
    # The emailed link opens this packet (signed at send time: a link signed now may differ in its timestamp).
    prefix = packet_link_path(packet).rsplit("/", 2)[0] + "/"
    token = email.body.split(prefix, 1)[1].split("/", 1)[0].split()[0]
    assert packet_from_token(token) == packet
    assert "PHQ" not in email.subject + email.body and "onsent" not in email.subject + email.body


def test_a_completed_packet_is_never_nudged(world):
    packet = _packet(world)
    _first_session(world, in_hours=30)
    Packet.objects.filter(pk=packet.pk).update(status=Packet.Status.COMPLETED)
    assert intake_nudges_queue() == 0
    assert _nudges() == []


def test_a_packet_completed_after_the_nudge_was_queued_is_not_sent(world):
    packet = _packet(world)
    _first_session(world, in_hours=30)
    assert intake_nudges_queue() == 1
    Packet.objects.filter(pk=packet.pk).update(status=Packet.Status.COMPLETED)
    assert outbox_deliver() == ["cancelled"]
    assert _nudges()[0].skip_reason == "packet_completed"
    assert mail.outbox == []


def test_the_nudge_time_is_a_practice_setting(world):
    world.p.practice.settings = {**world.p.practice.settings, "intake_nudge_hours": 24}
    world.p.practice.save()
    _packet(world)
    _first_session(world, in_hours=30)
    assert intake_nudges_queue() == 0
    assert intake_nudges_queue(now=timezone.now() + timedelta(hours=7)) == 1


def test_only_before_the_first_session_and_only_for_packets_assigned_before_the_window(world):
    client = world.p.client_a
    _first_session(world, in_hours=-24 * 7, status="completed")  # the client has already been seen
    _first_session(world, in_hours=30)
    _packet(world, client)
    assert intake_nudges_queue() == 0

    other = world.p.client_b
    _first_session(world, in_hours=30, client=other, clinician=world.p.clinician2)
    late = _packet(world, other, assigned_ago=timedelta(hours=1))  # assigned inside the window: invitation is news
    _first_session(world, in_hours=-24 * 7, client=other, status="cancelled", clinician=world.p.clinician2)
    assert intake_nudges_queue() == 0
    assert _nudges() == []
    # The same packet assigned before the window is nudged: a cancelled earlier session is no first session.
    Packet.objects.filter(pk=late.pk).update(created_at=timezone.now() - timedelta(days=5))
    assert intake_nudges_queue() == 1
    assert [n.client_id for n in _nudges()] == [other.pk]


def test_the_beat_task_queues_nudges(world):
    _packet(world)
    _first_session(world, in_hours=20)
    assert intake_nudges_queue_task() == 1
    assert intake_nudges_queue_task() == 0


def test_a_second_message_about_the_same_subject_is_impossible(world):
    packet = _packet(world)
    row = dict(
        practice=world.p.practice,
        client=world.p.client_a,
        kind=Kind.INTAKE_NUDGE,
        channel="email",
        subject_type="intake.packet",
        subject_id=str(packet.pk),
        due_at=timezone.now(),
    )
    first = OutboundMessage.objects.create(**row)
    OutboundMessage.objects.filter(pk=first.pk).update(status=St.CANCELLED)  # even after the first was cancelled
    with pytest.raises(IntegrityError), transaction.atomic():
        OutboundMessage.objects.create(**row)
    staff = dict(
        practice=world.p.practice,
        recipient=world.p.clinician.membership,
        kind=Kind.RISK_FLAG_REVIEW,
        channel="email",
        subject_type="intake.riskflag",
        subject_id="7",
        due_at=timezone.now(),
    )
    OutboundMessage.objects.create(**staff)
    with pytest.raises(IntegrityError), transaction.atomic():
        OutboundMessage.objects.create(**staff)
    OutboundMessage.objects.create(**{**staff, "recipient": world.p.clinician2.membership})  # another clinician
    with pytest.raises(IntegrityError), transaction.atomic():  # a message goes to a client or a member, not both
        OutboundMessage.objects.create(**{**staff, "subject_id": "8", "client": world.p.client_a})
