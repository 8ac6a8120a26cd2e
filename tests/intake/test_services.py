import datetime as dt

import pytest
from django.core import mail
from django.db import IntegrityError, ProgrammingError, connection, transaction

from core.errors import Conflict, DomainError, NotAllowed
from intake import notifications
from intake.models import ConsentSignature, FormVersion, MeasureSchedule, Packet, Response, RiskFlag, Score
from intake.services.forms import builtins_seed, form_create, form_edit, form_publish
from intake.services.packets import packet_assign
from intake.services.responses import response_amend, response_save_draft, response_submit
from intake.services.risk_flags import risk_flag_acknowledge
from intake.services.schedules import schedule_create, schedules_run
from reminders.models import OutboundMessage
from reminders.services.send import reminder_send
from tests.factories.intake import SIMPLE_FORM, packet_for, phq9_answers, seeded
from tests.reminders.outbox import outbox_deliver

pytestmark = pytest.mark.django_db
Kind = OutboundMessage.Kind


def _client_actor(world):
    return world.p.members["client"]


def test_seeding_is_idempotent_and_publishes_v1(world):
    first = builtins_seed(practice=world.p.practice)
    assert {f.slug for f in first} == {
        "demographics-history",
        "consent-for-services",
        "phq-9",
        "gad-7",
        "session-check-in",
    }
    assert builtins_seed(practice=world.p.practice) == []
    assert all(f.latest_published.number == 1 for f in first)


def test_alliance_cutoff_comes_from_practice_settings(world):
    world.q.practice.settings = {"intake": {"alliance_cutoff": 30}}
    world.q.practice.save()
    forms = seeded(world.q.practice)
    flags = forms["session-check-in"].latest_published.content["scoring"]["flags"]
    assert flags[0]["value"] == 30


def test_published_version_is_frozen_in_the_database(world):
    version = seeded(world.p.practice)["phq-9"].latest_published
    version.content = {"title": "changed"}
    with pytest.raises(ProgrammingError), transaction.atomic():
        version.save()


def test_editing_a_published_form_creates_a_new_version(world):
    clinician = world.p.members["clinician"]
    form = form_create(
        actor=clinician, name="Check-in", slug="check-in", kind="form", content=SIMPLE_FORM, publish=True
    )
    changed = {**SIMPLE_FORM, "title": "Weekly check-in"}
    draft = form_edit(actor=clinician, form=form, content=changed)
    assert draft.number == 2 and draft.status == FormVersion.Status.DRAFT
    again = form_edit(actor=clinician, form=form, content={**changed, "title": "Weekly"})
    assert again.pk == draft.pk  # one draft at a time
    form_publish(actor=clinician, form=form)
    assert form.latest_published.number == 2
    assert form.versions.get(number=1).content["title"] == "Check-in"


def test_front_desk_cannot_edit_forms(world):
    with pytest.raises(NotAllowed):
        form_create(actor=world.p.members["front_desk"], name="X", slug="x", kind="form", content=SIMPLE_FORM)


def test_invalid_definition_is_400_with_paths(world):
    with pytest.raises(DomainError) as exc:
        form_create(
            actor=world.p.members["admin"], name="X", slug="x", kind="form", content={"title": "X", "sections": []}
        )
    assert "definition.sections" in exc.value.fields


def test_packet_status_moves_sent_in_progress_completed(world):
    packet = packet_for(world.p.client_a, "phq-9", "consent-for-services")
    assert packet.status == Packet.Status.SENT
    phq, consent = packet.responses.order_by("position")
    response_save_draft(response=phq, answers=phq9_answers([1, 1, 1, 1, 0, 0, 0, 0, 0]), via_link=True)
    packet.refresh_from_db()
    assert packet.status == Packet.Status.IN_PROGRESS
    response_submit(response=phq, via_link=True)
    response_save_draft(response=consent, answers={"consent_services": "Ada Lovelace"}, via_link=True)
    response_submit(response=consent, via_link=True, ip_address="203.0.113.9", user_agent="UA/1")
    packet.refresh_from_db()
    assert packet.status == Packet.Status.COMPLETED and packet.completed_at


def test_submit_scores_and_flags_item9(world):
    packet = packet_for(world.p.client_a, "phq-9")
    response = packet.responses.get()
    response_save_draft(
        response=response, answers=phq9_answers([2, 2, 2, 1, 1, 1, 1, 1, 1]), actor=_client_actor(world)
    )
    response_submit(response=response, actor=_client_actor(world))
    score = Score.objects.get(response=response)
    assert (score.total, score.band) == (12, "Moderate")
    flag = RiskFlag.objects.get(response=response)
    assert flag.code == "phq9_item9" and flag.acknowledged_at is None


def test_submit_lists_each_missing_question_and_keeps_draft(world):
    response = packet_for(world.p.client_a, "phq-9").responses.get()
    response_save_draft(response=response, answers={"phq9_1": 0}, via_link=True)
    with pytest.raises(DomainError) as exc:
        response_submit(response=response, via_link=True)
    assert exc.value.code == "incomplete"
    assert set(exc.value.fields) == {f"answers.phq9_{i}" for i in range(2, 10)}
    response.refresh_from_db()
    assert response.status == Response.Status.DRAFT and response.answers == {"phq9_1": 0}


def test_submitted_response_is_read_only(world):
    response = packet_for(world.p.client_a, "phq-9").responses.get()
    response_save_draft(response=response, answers=phq9_answers([0] * 9), via_link=True)
    response_submit(response=response, via_link=True)
    with pytest.raises(Conflict):
        response_save_draft(response=response, answers={"phq9_1": 3}, via_link=True)
    response.refresh_from_db()
    response.answers = {}
    with pytest.raises(ProgrammingError), transaction.atomic():
        response.save()  # the database refuses too


def test_consent_signature_records_exact_text_hash_and_never_changes(world):
    import hashlib

    from intake.builtins import CONSENT_TEXT

    response = packet_for(world.p.client_a, "consent-for-services").responses.get()
    response_save_draft(response=response, answers={"consent_services": "  Ada Lovelace "}, via_link=True)
    response_submit(response=response, via_link=True, ip_address="203.0.113.9", user_agent="Phone/1.0")
    sig = ConsentSignature.objects.get(response=response)
    assert sig.signed_name == "Ada Lovelace" and sig.ip_address == "203.0.113.9" and sig.user_agent == "Phone/1.0"
    assert sig.document_sha256 == hashlib.sha256(CONSENT_TEXT.encode()).hexdigest()
    assert sig.version_id == response.version_id
    sig.signed_name = "Someone else"
    with pytest.raises(ProgrammingError), transaction.atomic():
        sig.save()


def test_amendment_is_a_new_response_linked_to_the_first(world):
    response = packet_for(world.p.client_a, "phq-9").responses.get()
    response_save_draft(response=response, answers=phq9_answers([0] * 9), via_link=True)
    response_submit(response=response, via_link=True)
    amended = response_amend(actor=_client_actor(world), response=response)
    response.refresh_from_db()
    assert amended.amends_id == response.pk and amended.status == Response.Status.DRAFT
    assert amended.answers == response.answers
    response_save_draft(response=amended, answers={"phq9_1": 2}, actor=_client_actor(world))
    response_submit(response=amended, actor=_client_actor(world))
    response.refresh_from_db()
    assert response.answers["phq9_1"] == 0  # the original stays as it was


def test_another_client_cannot_write_answers(world):
    response = packet_for(world.p.client_b, "phq-9").responses.get()
    with pytest.raises(NotAllowed):
        response_save_draft(response=response, answers={"phq9_1": 1}, actor=_client_actor(world))
    with pytest.raises(NotAllowed):
        response_save_draft(response=response, answers={"phq9_1": 1}, actor=world.p.members["clinician"])


def test_answers_are_encrypted_at_rest(world):
    response = packet_for(world.p.client_a, "demographics-history").responses.get()
    response_save_draft(response=response, answers={"reason": "my marriage is falling apart"}, via_link=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT answers FROM intake_response WHERE id = %s", [response.pk])
        raw = cursor.fetchone()[0]
    assert "marriage" not in raw and raw.startswith("gAAAAA")
    response.refresh_from_db()
    assert response.answers == {"reason": "my marriage is falling apart"}


def test_clinician_can_only_assign_to_own_caseload(world):
    forms = seeded(world.p.practice)
    api = world.client_for("clinician")
    body = {"client": world.p.client_b.pk, "forms": [forms["phq-9"].pk]}
    refused = api.post("/api/v1/intake/packets/", body, format="json")
    assert refused.status_code == 400  # refused for the client, like an unknown id, not for the clinician's role
    assert refused.json()["error"]["fields"] == {
        "client": [f'Invalid pk "{world.p.client_b.pk}" - object does not exist.']
    }
    assert not Packet.objects.filter(client=world.p.client_b).exists()
    mine = packet_assign(actor=world.p.members["clinician"], client=world.p.client_a, forms=[forms["phq-9"]])
    assert mine.client == world.p.client_a


def test_invitation_is_an_outbox_row_of_the_assignment_and_is_sent_exactly_once(world):
    from intake.invitations import packet_invitation_send

    packet = packet_for(world.p.client_a, "phq-9", "consent-for-services", send_invitation=True)
    packet.due_on = dt.date(2030, 1, 31)
    packet.save(update_fields=["due_on"])
    rows = list(OutboundMessage.objects.filter(kind=Kind.INTAKE_INVITATION))
    assert [(r.client_id, r.subject_type, r.subject_id, r.status) for r in rows] == [
        (world.p.client_a.pk, "intake.packet", str(packet.pk), "pending")
    ]
    assert mail.outbox == []  # nothing leaves before the dispatcher runs
    assert packet_invitation_send(packet_id=packet.pk) is False  # queued once
    assert OutboundMessage.objects.filter(kind=Kind.INTAKE_INVITATION).count() == 1

    assert outbox_deliver() == ["sent"]
    assert outbox_deliver() == []
    assert reminder_send(message_id=rows[0].pk).status == "sent"  # a redelivered send task: still one email
    assert packet_invitation_send(packet_id=packet.pk) is False
    assert outbox_deliver() == []
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [world.p.client_a.email]
    assert world.p.practice.name in email.body and "31 January 2030" in email.body
    # The signed token carries its signing second, so compare what the link opens, not its text.
    import re

    from intake.invitations import packet_from_token

    token = re.search(r"/intake/p/([^/\s]+)/", email.body).group(1)
    assert packet_from_token(token).pk == packet.pk
    assert "PHQ" not in email.body + email.subject and "onsent" not in email.body + email.subject
    packet.refresh_from_db()
    assert packet.invitation_sent_at is not None


def test_a_rolled_back_assignment_leaves_no_invitation(world):
    with pytest.raises(RuntimeError), transaction.atomic():
        packet_for(world.p.client_a, "phq-9", send_invitation=True)
        raise RuntimeError("the assignment fails after the invitation was queued")
    assert not Packet.objects.exists()
    assert not OutboundMessage.objects.exists()


def test_invitation_to_a_client_without_email_is_skipped_visibly(world):
    world.p.client_b.email = ""
    world.p.client_b.save()
    packet_for(world.p.client_b, "phq-9", send_invitation=True)
    row = OutboundMessage.objects.get(kind=Kind.INTAKE_INVITATION)
    assert (row.status, row.skip_reason) == ("skipped", "no_email_address")
    assert outbox_deliver() == [] and mail.outbox == []


def test_invitation_for_a_packet_completed_before_sending_is_cancelled(world):
    packet = packet_for(world.p.client_a, "phq-9", send_invitation=True)
    Packet.objects.filter(pk=packet.pk).update(status=Packet.Status.COMPLETED)
    assert outbox_deliver() == ["cancelled"]
    assert OutboundMessage.objects.get(kind=Kind.INTAKE_INVITATION).skip_reason == "packet_completed"
    assert mail.outbox == []


def test_acknowledge_needs_a_note_and_happens_once(world):
    response = packet_for(world.p.client_a, "phq-9").responses.get()
    response_save_draft(response=response, answers=phq9_answers([0] * 8 + [2]), via_link=True)
    response_submit(response=response, via_link=True)
    flag = RiskFlag.objects.get(response=response)
    clinician = world.p.members["clinician"]
    with pytest.raises(DomainError):
        risk_flag_acknowledge(actor=clinician, flag=flag, note="  ")
    risk_flag_acknowledge(actor=clinician, flag=flag, note="Called; safety plan reviewed.")
    flag.refresh_from_db()
    assert flag.acknowledged_by == world.p.clinician and flag.acknowledgement_note.startswith("Called")
    with pytest.raises(Conflict):
        risk_flag_acknowledge(actor=clinician, flag=flag, note="again")


def test_schedules_run_sends_each_due_administration_once(world):
    forms = seeded(world.p.practice)
    schedule = schedule_create(
        actor=world.p.members["clinician"],
        client=world.p.client_a,
        form=forms["phq-9"],
        interval_days=28,
        first_due_on=dt.date(2025, 1, 6),
    )
    assert schedules_run(today=dt.date(2025, 1, 6)) == 1
    assert schedules_run(today=dt.date(2025, 1, 6)) == 0
    schedule.refresh_from_db()
    assert schedule.next_due_on == dt.date(2025, 2, 3)
    assert Packet.objects.filter(schedule=schedule).count() == 1
    assert schedules_run(today=dt.date(2025, 2, 3)) == 1


def test_only_measures_are_scheduled(world):
    forms = seeded(world.p.practice)
    with pytest.raises(DomainError):
        schedule_create(
            actor=world.p.members["clinician"],
            client=world.p.client_a,
            form=forms["consent-for-services"],
            interval_days=7,
            first_due_on=dt.date.today(),
        )
    assert not MeasureSchedule.objects.exists()


def test_one_draft_per_form_is_a_database_rule(world):
    form = seeded(world.p.practice)["gad-7"]
    FormVersion.objects.create(practice=form.practice, form=form, number=2, content={})
    with pytest.raises(IntegrityError), transaction.atomic():
        FormVersion.objects.create(practice=form.practice, form=form, number=3, content={})


def test_seed_command_seeds_every_practice(world):
    from django.core.management import call_command

    call_command("intake_seed_builtins")
    from intake.models import FormDefinition

    assert FormDefinition.objects.filter(practice=world.q.practice, builtin=True).count() == 5


def test_risk_flag_notifies_each_care_team_clinician_once_with_no_clinical_content(world):
    from practice.models import CareTeamMember
    from reminders.selectors import outbound_message_list

    client = world.p.client_a
    CareTeamMember.objects.create(practice=world.p.practice, client=client, clinician=world.p.supervisor)
    response = packet_for(client, "phq-9").responses.get()
    response_save_draft(response=response, answers=phq9_answers([2] * 8 + [3]), via_link=True)
    response_submit(response=response, via_link=True)
    flag = RiskFlag.objects.get(response=response)
    rows = OutboundMessage.objects.filter(kind=Kind.RISK_FLAG_REVIEW).order_by("recipient_id")
    assert {(r.recipient_id, r.client_id, r.subject_id) for r in rows} == {
        (world.p.clinician.membership_id, None, str(flag.pk)),
        (world.p.supervisor.membership_id, None, str(flag.pk)),
    }
    assert notifications.risk_flag_raised(flag_id=flag.pk) == 0  # run again: nothing more
    # The front desk's delivery list never shows that a client's questionnaire needs review.
    front_desk_list = outbound_message_list(actor=world.p.members["front_desk"])
    assert not front_desk_list.filter(kind=Kind.RISK_FLAG_REVIEW).exists()

    assert outbox_deliver() == ["sent", "sent"]
    assert outbox_deliver() == []
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [world.p.clinician.membership.user.email, world.p.supervisor.membership.user.email]
    )
    score = Score.objects.get(response=response)
    for email in mail.outbox:
        text = email.subject + "\n" + email.body
        assert "a questionnaire result needs your review in attune" in text.lower()
        for leaked in (
            client.first_name,
            client.last_name,
            client.email,
            flag.label,
            "PHQ",
            "item",
            "score",
            str(int(score.total)),
            score.band,
            world.p.practice.name,
        ):
            assert leaked.lower() not in text.lower(), leaked


def test_an_acknowledged_flag_sends_no_notice(world):
    response = packet_for(world.p.client_a, "phq-9").responses.get()
    response_save_draft(response=response, answers=phq9_answers([0] * 8 + [1]), via_link=True)
    response_submit(response=response, via_link=True)
    flag = RiskFlag.objects.get(response=response)
    risk_flag_acknowledge(actor=world.p.members["clinician"], flag=flag, note="Called; safe.")
    assert outbox_deliver() == ["cancelled"]
    assert mail.outbox == []
