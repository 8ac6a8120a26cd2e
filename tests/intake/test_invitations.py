"""Sending an intake invitation again, and revoking the links already sent (docs/intake.md, "Resend and revoke")."""

import re
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from core.errors import Conflict, DomainError, NotAllowed
from intake.invitations import packet_from_token, packet_link_token
from intake.models import Packet
from intake.services.links import ResendTooSoon, packet_invitation_resend, packet_link_revoke
from intake.services.responses import response_save_draft, response_submit
from practice.models import AuditEvent
from reminders.models import OutboundMessage
from reminders.services.frontdesk import outbound_message_resend
from tests.factories.intake import packet_for, phq9_answers
from tests.reminders.outbox import outbox_deliver

pytestmark = pytest.mark.django_db
Kind = OutboundMessage.Kind
St = OutboundMessage.Status
INVALID_LINK = {
    "error": {"code": "not_found", "message": "This link is not valid or has expired. Ask the practice for a new one."}
}


def _desk(world):
    return world.p.members["front_desk"]


def _invited(world, client=None) -> Packet:
    """A packet whose first invitation went out (assigned with the invitation, delivered)."""
    packet = packet_for(client or world.p.client_a, "phq-9", send_invitation=True)
    assert outbox_deliver() == ["sent"]
    mail.outbox.clear()
    _age_invitations(packet, minutes=60)  # past the resend interval
    packet.refresh_from_db()
    return packet


def _age_invitations(packet, *, minutes):
    OutboundMessage.objects.filter(subject_id=str(packet.pk)).update(
        created_at=timezone.now() - timedelta(minutes=minutes)
    )


def _emailed_token(email) -> str:
    return re.search(r"/api/v1/intake/p/([^/\s]+)/", email.body).group(1)


def _link(token: str) -> str:
    return f"/api/v1/intake/link/{token}/"


def test_resend_emails_one_new_invitation_whose_link_opens_the_packet(world):
    packet = _invited(world)
    packet_invitation_resend(actor=_desk(world), packet=packet)
    [row] = OutboundMessage.objects.filter(kind=Kind.INTAKE_INVITATION_RESEND)
    assert (row.client_id, row.subject_type, row.subject_id, row.status) == (
        world.p.client_a.pk,
        "intake.packet",
        str(packet.pk),
        St.PENDING,
    )
    assert mail.outbox == []  # queued, sent by the dispatcher
    assert outbox_deliver() == ["sent"]
    assert outbox_deliver() == []
    [email] = mail.outbox
    assert email.to == [world.p.client_a.email]
    assert email.subject == f"Forms from {world.p.practice.name}"
    assert "PHQ" not in email.subject + email.body
    assert email.extra_headers["Message-ID"] == f"<attune-outbox-{row.pk}@attune.local>"  # its own, not the first's
    token = _emailed_token(email)
    assert packet_from_token(token) == packet
    page = world.client_for(None).get(_link(token))
    assert page.status_code == 200
    assert [r["id"] for r in page.json()["responses"]] == [packet.responses.get().pk]


def test_resend_by_default_makes_the_old_link_stop_working(world):
    packet = _invited(world)
    old = packet_link_token(packet)
    anon = world.client_for(None)
    assert anon.get(_link(old)).status_code == 200
    packet_invitation_resend(actor=_desk(world), packet=packet)
    assert outbox_deliver() == ["sent"]
    old_answer = anon.get(_link(old))
    assert (old_answer.status_code, old_answer.json()) == (404, INVALID_LINK)
    assert anon.get(_link(_emailed_token(mail.outbox[0]))).status_code == 200


def test_resend_without_revoking_keeps_the_old_link(world):
    packet = _invited(world)
    old = packet_link_token(packet)
    packet_invitation_resend(actor=_desk(world), packet=packet, revoke_previous=False)
    assert outbox_deliver() == ["sent"]
    anon = world.client_for(None)
    assert anon.get(_link(old)).status_code == 200
    assert anon.get(_link(_emailed_token(mail.outbox[0]))).status_code == 200
    event = AuditEvent.objects.filter(object_type="intake.packet", object_id=str(packet.pk), action="update").get()
    assert event.detail["link"] == "kept"


def test_revoke_answers_every_old_link_exactly_as_an_invalid_one(world):
    packet = packet_for(world.p.client_a, "phq-9")
    response = packet.responses.get()
    old = packet_link_token(packet)
    anon = world.client_for(None)
    assert anon.get(_link(old)).status_code == 200
    forged = anon.get(_link("forged"))

    r = world.client_for("front_desk").post(f"/api/v1/intake/packets/{packet.pk}/revoke-link/")
    assert r.status_code == 200 and r.json()["id"] == packet.pk and r.json()["status"] == "sent"

    for answer in (
        anon.get(_link(old)),
        anon.patch(f"{_link(old)}responses/{response.pk}/", {"answers": {"phq9_1": 1}}, format="json"),
        anon.post(f"{_link(old)}responses/{response.pk}/submit/"),
    ):
        assert (answer.status_code, answer.json()) == (forged.status_code, forged.json()) == (404, INVALID_LINK)
    page = anon.get(f"/api/v1/intake/p/{old}/")
    assert page.status_code == 404 and "not valid" in page.content.decode()
    packet.refresh_from_db()
    assert anon.get(_link(packet_link_token(packet))).status_code == 200  # the packet itself is still open
    assert OutboundMessage.objects.count() == 0  # revoking sends nothing


def test_revoke_and_resend_are_audited(world):
    packet = _invited(world)
    desk = _desk(world)
    packet_link_revoke(actor=desk, packet=packet)
    message = packet_invitation_resend(actor=desk, packet=packet)
    events = list(
        AuditEvent.objects.filter(object_type="intake.packet", object_id=str(packet.pk), action="update").order_by("id")
    )
    assert [(e.actor_id, e.acting_role, e.practice_id, e.detail) for e in events] == [
        (desk.user_id, "front_desk", world.p.practice.pk, {"link": "revoked"}),
        (
            desk.user_id,
            "front_desk",
            world.p.practice.pk,
            {"invitation": "resent", "message": message.pk, "link": "revoked"},
        ),
    ]


def _complete(packet):
    response = packet.responses.get()
    response_save_draft(response=response, answers=phq9_answers([0] * 9), via_link=True)
    response_submit(response=response, via_link=True)
    packet.refresh_from_db()
    assert packet.status == Packet.Status.COMPLETED


def test_a_completed_packet_is_not_sent_again_but_its_link_can_be_revoked(world):
    packet = _invited(world)
    _complete(packet)
    old = packet_link_token(packet)
    desk = world.client_for("front_desk")
    r = desk.post(f"/api/v1/intake/packets/{packet.pk}/resend/", {}, format="json")
    assert r.status_code == 409 and r.json()["error"]["code"] == "packet_completed"
    assert not OutboundMessage.objects.filter(kind=Kind.INTAKE_INVITATION_RESEND).exists()
    # The link of a completed packet still shows the submitted answers: revoking it is how to close it.
    assert world.client_for(None).get(_link(old)).json()["responses"][0]["answers"]["phq9_1"] == 0
    assert desk.post(f"/api/v1/intake/packets/{packet.pk}/revoke-link/").status_code == 200
    assert world.client_for(None).get(_link(old)).status_code == 404


def test_a_client_without_an_email_address_is_refused_with_a_code(world):
    world.p.client_a.email = ""
    world.p.client_a.save()
    packet = packet_for(world.p.client_a, "phq-9")
    r = world.client_for("front_desk").post(f"/api/v1/intake/packets/{packet.pk}/resend/", {}, format="json")
    assert r.status_code == 409 and r.json()["error"]["code"] == "no_email_address"
    assert not OutboundMessage.objects.exists()
    packet.refresh_from_db()
    assert packet_from_token(packet_link_token(packet)) == packet  # refused as a whole: the link was not revoked


def test_resend_is_throttled_per_packet_with_retry_after(world, settings):
    settings.INTAKE_RESEND_MIN_INTERVAL = 600
    packet = _invited(world)
    other = _invited(world, world.p.client_b)
    desk = world.client_for("front_desk")
    assert desk.post(f"/api/v1/intake/packets/{packet.pk}/resend/", {}, format="json").status_code == 200
    assert outbox_deliver() == ["sent"]
    r = desk.post(f"/api/v1/intake/packets/{packet.pk}/resend/", {}, format="json")
    assert r.status_code == 429
    assert r.json()["error"]["code"] == "resend_too_soon"
    assert 590 <= r.json()["error"]["retry_after_seconds"] <= 600
    assert r["Retry-After"] == str(r.json()["error"]["retry_after_seconds"])
    # another packet is not held back by this one
    assert desk.post(f"/api/v1/intake/packets/{other.pk}/resend/", {}, format="json").status_code == 200
    _age_invitations(packet, minutes=9)
    r = desk.post(f"/api/v1/intake/packets/{packet.pk}/resend/", {}, format="json")
    assert r.status_code == 429 and 50 <= r.json()["error"]["retry_after_seconds"] <= 60
    _age_invitations(packet, minutes=11)
    assert desk.post(f"/api/v1/intake/packets/{packet.pk}/resend/", {}, format="json").status_code == 200
    assert OutboundMessage.objects.filter(kind=Kind.INTAKE_INVITATION_RESEND, subject_id=str(packet.pk)).count() == 2


def test_the_first_invitation_counts_for_the_throttle(world):
    packet = packet_for(world.p.client_a, "phq-9", send_invitation=True)
    assert outbox_deliver() == ["sent"]
    with pytest.raises(ResendTooSoon) as exc:
        packet_invitation_resend(actor=_desk(world), packet=packet)
    assert exc.value.status_code == 429 and exc.value.extra["retry_after_seconds"] > 0


def test_no_resend_while_an_invitation_is_still_on_its_way(world):
    packet = packet_for(world.p.client_a, "phq-9", send_invitation=True)
    _age_invitations(packet, minutes=60)  # old enough, but still pending (the dispatcher has not run)
    with pytest.raises(Conflict) as exc:
        packet_invitation_resend(actor=_desk(world), packet=packet)
    assert exc.value.code == "invitation_queued"
    assert outbox_deliver() == ["sent"]
    _age_invitations(packet, minutes=60)
    packet_invitation_resend(actor=_desk(world), packet=packet)
    assert outbox_deliver() == ["sent"]
    assert len(mail.outbox) == 2


def test_two_live_invitations_to_one_packet_are_impossible_in_the_database(world):
    packet = packet_for(world.p.client_a, "phq-9", send_invitation=True)  # the first invitation, pending
    row = dict(
        practice=world.p.practice,
        client=world.p.client_a,
        kind=Kind.INTAKE_INVITATION_RESEND,
        channel="email",
        subject_type="intake.packet",
        subject_id=str(packet.pk),
        due_at=timezone.now(),
    )
    with pytest.raises(IntegrityError, match="outbound_message_one_live_invitation"), transaction.atomic():
        OutboundMessage.objects.create(**row)
    OutboundMessage.objects.filter(kind=Kind.INTAKE_INVITATION).update(status=St.SENT)
    OutboundMessage.objects.create(**{**row, "status": St.SENT})  # resends that went out: as many as were sent
    OutboundMessage.objects.create(**row)
    with pytest.raises(IntegrityError, match="outbound_message_one_live_invitation"), transaction.atomic():
        OutboundMessage.objects.create(**{**row, "status": St.CLAIMED, "claimed_at": timezone.now()})


def test_putting_back_a_failed_invitation_while_a_resend_is_queued_is_a_409(world):
    packet = packet_for(world.p.client_a, "phq-9", send_invitation=True)
    OutboundMessage.objects.filter(kind=Kind.INTAKE_INVITATION).update(status=St.FAILED)
    packet_invitation_resend(actor=_desk(world), packet=packet)
    failed = OutboundMessage.objects.get(kind=Kind.INTAKE_INVITATION)
    with pytest.raises(Conflict) as exc:
        outbound_message_resend(actor=_desk(world), message=failed)
    assert exc.value.code == "invitation_queued"
    failed.refresh_from_db()
    assert failed.status == St.FAILED


def test_a_client_and_an_admin_cannot_resend_or_revoke(world):
    packet = _invited(world)
    nonce = packet.link_nonce
    for role in ("client", "admin"):
        actor = world.p.members[role]
        with pytest.raises(NotAllowed):
            packet_invitation_resend(actor=actor, packet=packet)
        with pytest.raises(NotAllowed):
            packet_link_revoke(actor=actor, packet=packet)
        api = world.client_for(role)
        for path in ("resend", "revoke-link"):
            r = api.post(f"/api/v1/intake/packets/{packet.pk}/{path}/", {}, format="json")
            assert r.status_code == 403 and r.json()["error"]["code"] == "permission_denied"
    packet.refresh_from_db()
    assert packet.link_nonce == nonce
    assert not OutboundMessage.objects.filter(kind=Kind.INTAKE_INVITATION_RESEND).exists()


def test_a_clinician_acts_only_on_their_caseload(world):
    mine = _invited(world)
    theirs = _invited(world, world.p.client_b)
    clinician = world.p.members["clinician"]
    packet_invitation_resend(actor=clinician, packet=mine)
    with pytest.raises(DomainError) as exc:
        packet_link_revoke(actor=clinician, packet=theirs)
    assert exc.value.status_code == 400 and "client" in exc.value.fields  # as for assigning out of the caseload
    api = world.client_for("clinician")
    assert api.post(f"/api/v1/intake/packets/{theirs.pk}/revoke-link/").status_code == 404


def test_a_deleted_packet_is_a_409(world):
    packet = _invited(world)
    Packet.objects.filter(pk=packet.pk).delete()
    with pytest.raises(Conflict) as exc:
        packet_invitation_resend(actor=_desk(world), packet=packet)
    assert exc.value.code == "packet_deleted"


@pytest.mark.django_db(transaction=True)
def test_concurrent_resends_queue_one_email(world):
    packet = _invited(world)
    start = threading.Barrier(4)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def resend() -> None:
        try:
            start.wait()
            packet_invitation_resend(actor=_desk(world), packet=packet)
            outcomes.append("queued")
        except Conflict as exc:
            outcomes.append(exc.code)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=resend) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(outcomes) == ["invitation_queued"] * 3 + ["queued"]
    assert OutboundMessage.objects.filter(kind=Kind.INTAKE_INVITATION_RESEND).count() == 1
    assert outbox_deliver() == ["sent"]
    assert len(mail.outbox) == 1
