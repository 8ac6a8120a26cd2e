from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from core.errors import Conflict, DomainError, InvalidTransition, NotAllowed
from notes import selectors, services
from notes.models import NoteTemplate, OverdueNoteAlert, ProgressNote, RepairStrategy, RuptureEvent, RuptureMarker
from practice.models import Supervision
from tests.factories.notes import RELATIONAL, draft_note, signed_note, withdrawal_rupture

pytestmark = pytest.mark.django_db


def test_taxonomy_seeded_per_practice_with_stable_codes(world):
    services.taxonomy_seed(practice=world.p.practice)
    services.taxonomy_seed(practice=world.p.practice)  # idempotent
    markers = RuptureMarker.objects.filter(practice=world.p.practice)
    assert markers.filter(family="withdrawal").count() == 7
    assert markers.filter(family="confrontation").count() == 7
    assert set(RepairStrategy.objects.filter(practice=world.p.practice).values_list("approach", flat=True)) == {
        "immediate",
        "expressive",
    }
    assert RepairStrategy.objects.get(practice=world.p.practice, code="rs_metacommunication").approach == "expressive"
    codes = set(NoteTemplate.objects.filter(practice=world.p.practice).values_list("code", flat=True))
    assert codes == {"relational", "soap", "dap", "birp"}
    assert NoteTemplate.objects.get(practice=world.p.practice, is_default=True).code == "relational"
    # Per practice: the other practice has its own rows (seeded when it was created), not these.
    theirs = RuptureMarker.objects.filter(practice=world.q.practice)
    assert theirs.count() == markers.count() and not set(theirs.values_list("pk", flat=True)) & set(
        markers.values_list("pk", flat=True)
    )


def test_admin_edits_label_but_never_a_code(world):
    services.taxonomy_seed(practice=world.p.practice)
    admin = world.p.members["admin"]
    marker = RuptureMarker.objects.get(practice=world.p.practice, code="wd_denial")
    services.taxonomy_entry_update(actor=admin, entry=marker, label="Denying the rupture")
    marker.refresh_from_db()
    assert marker.label == "Denying the rupture"
    with pytest.raises(DomainError):
        services.taxonomy_entry_update(actor=admin, entry=marker, code="renamed")
    with pytest.raises(NotAllowed):
        services.taxonomy_entry_update(actor=world.p.members["clinician"], entry=marker, label="x")
    added = services.taxonomy_entry_create(
        actor=admin, model=RuptureMarker, family="withdrawal", code="wd_falling_silent", label="Falling silent"
    )
    assert added.practice == world.p.practice


def test_draft_autosave_bumps_version_and_refuses_stale_copy(world):
    note = draft_note(world.p.clinician, world.p.client_a, content={"focus": "first words"})
    assert note.status == "draft" and note.version == 1
    note = services.progress_note_update(
        actor=world.p.clinician.membership, note=note, version=1, content={"process": "more"}
    )
    assert note.version == 2
    assert note.content == {"focus": "first words", "process": "more"}
    with pytest.raises(Conflict) as exc:
        services.progress_note_update(
            actor=world.p.clinician.membership, note=note, version=1, content={"plan": "stale"}
        )
    assert exc.value.code == "stale_version"


def test_unknown_section_is_refused(world):
    with pytest.raises(DomainError) as exc:
        draft_note(world.p.clinician, world.p.client_a, content={"subjective": "SOAP section in relational"})
    assert "content.subjective" in exc.value.fields


def test_template_is_chosen_by_code_from_the_practices_own_templates(world):
    assert NoteTemplate.objects.filter(practice=world.p.practice).count() == 4  # seeded when the practice was created
    actor = world.p.clinician.membership
    soap = services.progress_note_create(actor=actor, client=world.p.client_a, template_code="soap")
    assert soap.template.code == "soap" and soap.template.practice == world.p.practice
    default = services.progress_note_create(actor=actor, client=world.p.client_a)
    assert default.template.code == "relational"


def test_unknown_template_code_is_refused_naming_the_template_field(world):
    with pytest.raises(DomainError) as exc:
        services.progress_note_create(actor=world.p.clinician.membership, client=world.p.client_a, template_code="nope")
    assert exc.value.status_code == 400
    assert exc.value.fields == {"template": ["No template with this code."]}
    assert not ProgressNote.objects.filter(client=world.p.client_a).exists()


def test_inactive_template_is_not_available(world):
    services.taxonomy_seed(practice=world.p.practice)
    NoteTemplate.objects.filter(practice=world.p.practice, code="dap").update(is_active=False)
    with pytest.raises(DomainError) as exc:
        services.progress_note_create(actor=world.p.clinician.membership, client=world.p.client_a, template_code="dap")
    assert exc.value.fields == {"template": ["Not available."]}


def test_only_own_caseload_gets_notes(world):
    with pytest.raises(NotAllowed):
        draft_note(world.p.clinician, world.p.client_b)
    with pytest.raises(NotAllowed):
        services.progress_note_create(actor=world.p.members["front_desk"], client=world.p.client_a)


def test_sign_locks_records_signer_time_and_sha256(world):
    note = draft_note(world.p.clinician2, world.p.client_b, ruptures=[withdrawal_rupture()])
    note = services.progress_note_sign(actor=world.p.clinician2.membership, note=note)
    assert note.status == "signed" and note.is_locked
    assert note.signed_by == world.p.clinician2 and note.signed_at is not None
    assert len(note.content_hash) == 64
    fresh = ProgressNote.objects.get(pk=note.pk)
    assert selectors.note_integrity_ok(note=fresh)
    with pytest.raises(Conflict) as exc:
        services.progress_note_update(actor=world.p.clinician2.membership, note=note, content={"plan": "changed"})
    assert exc.value.status_code == 409
    with pytest.raises(InvalidTransition):
        services.progress_note_sign(actor=world.p.clinician2.membership, note=note)


def test_tampering_with_a_signed_note_is_detected(world):
    note = signed_note(world.p.clinician2, world.p.client_b)
    ProgressNote.objects.filter(pk=note.pk).update(risk_level="high", risk_rationale="tampered")
    assert not selectors.note_integrity_ok(note=ProgressNote.objects.get(pk=note.pk))


def test_required_sections_and_risk_rationale_before_signing(world):
    note = draft_note(world.p.clinician2, world.p.client_b, content={"focus": "x"}, risk_level="moderate")
    with pytest.raises(DomainError) as exc:
        services.progress_note_sign(actor=world.p.clinician2.membership, note=note)
    assert {"content.process", "content.plan", "risk_rationale"} <= set(exc.value.fields)
    services.progress_note_update(
        actor=world.p.clinician2.membership,
        note=note,
        content=RELATIONAL,
        risk_rationale="Passive ideation, no plan; safety plan reviewed.",
    )
    note = services.progress_note_sign(actor=world.p.clinician2.membership, note=note)
    assert note.risk_level == "moderate"


def test_database_refuses_signed_note_with_risk_and_no_rationale(world):
    note = signed_note(world.p.clinician2, world.p.client_b)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressNote.objects.filter(pk=note.pk).update(risk_level="high", risk_rationale="")


def test_rupture_markers_must_match_family_and_intensity_1_to_5(world):
    with pytest.raises(DomainError) as wrong_family:
        draft_note(
            world.p.clinician, world.p.client_a, ruptures=[withdrawal_rupture(markers=["co_rejects_intervention"])]
        )
    assert set(wrong_family.value.fields) == {"ruptures.0.markers"}
    with pytest.raises(ValidationError):
        RuptureEvent(practice=world.p.practice, intensity=6).full_clean()
    with pytest.raises(DomainError) as unknown:
        draft_note(world.p.clinician, world.p.client_a, ruptures=[withdrawal_rupture(markers=["nope"])])
    assert set(unknown.value.fields) == {"ruptures.0.markers"}


def test_addendum_on_signed_note_only_by_author(world):
    note = draft_note(world.p.clinician2, world.p.client_b)
    with pytest.raises(InvalidTransition):
        services.addendum_create(actor=world.p.clinician2.membership, note=note, body="too early")
    note = services.progress_note_sign(actor=world.p.clinician2.membership, note=note)
    addendum = services.addendum_create(
        actor=world.p.clinician2.membership, note=note, body="Correction: the session ran 55 minutes."
    )
    assert addendum.signed_at and len(addendum.content_hash) == 64
    with pytest.raises(NotAllowed):
        services.addendum_create(actor=world.p.clinician.membership, note=note, body="not mine")
    note.refresh_from_db()
    assert note.content == RELATIONAL  # the original stays as signed


def test_supervisee_note_awaits_cosign_and_supervisor_cosigns_with_comment(world):
    note = signed_note(world.p.clinician, world.p.client_a)
    assert note.status == "awaiting_cosign" and note.cosign_required
    with pytest.raises(NotAllowed):
        services.progress_note_cosign(actor=world.p.clinician2.membership, note=note, comment="not theirs")
    with pytest.raises(NotAllowed):
        services.progress_note_cosign(actor=world.p.clinician.membership, note=note, comment="self")
    note = services.progress_note_cosign(
        actor=world.p.supervisor.membership, note=note, comment="Good noticing of your own hurry."
    )
    assert note.status == "cosigned" and note.cosigned_by == world.p.supervisor
    assert ProgressNote.objects.get(pk=note.pk).cosign_comment == "Good noticing of your own hurry."
    with pytest.raises(InvalidTransition):
        services.progress_note_cosign(actor=world.p.supervisor.membership, note=note)


def test_supervision_without_cosign_signs_directly(world):
    Supervision.objects.filter(supervisee=world.p.clinician).update(requires_cosign=False)
    assert signed_note(world.p.clinician, world.p.client_a).status == "signed"


def test_unresolved_rupture_carries_forward_until_repaired_by_a_later_note(world):
    c = world.p.clinician2
    first = signed_note(
        c,
        world.p.client_b,
        session_at=timezone.now() - timedelta(days=7),
        ruptures=[withdrawal_rupture(outcome="partial")],
    )
    rupture = first.ruptures.get()
    assert rupture.resolved_at is None
    assert list(selectors.open_ruptures(actor=c.membership, client=world.p.client_b)) == [rupture]
    second = draft_note(
        c,
        world.p.client_b,
        follow_ups=[
            {
                "rupture": rupture.pk,
                "strategies": ["rs_acknowledge_contribution"],
                "outcome": "repaired",
                "client_response": "She said she felt heard.",
            }
        ],
    )
    rupture.refresh_from_db()
    assert rupture.resolved_at is None  # a draft settles nothing
    services.progress_note_sign(actor=c.membership, note=second)
    rupture.refresh_from_db()
    assert rupture.resolved_at is not None and rupture.resolved_in_note_id == second.pk
    assert not selectors.open_ruptures(actor=c.membership, client=world.p.client_b).exists()


def test_repaired_in_session_is_not_open(world):
    note = signed_note(world.p.clinician2, world.p.client_b, ruptures=[withdrawal_rupture(outcome="repaired")])
    assert note.ruptures.get().resolved_at is not None


def test_follow_up_only_of_an_open_rupture_of_the_same_client(world):
    services.taxonomy_seed(practice=world.p.practice)
    other = signed_note(world.p.clinician2, world.p.client_b, ruptures=[withdrawal_rupture()])
    with pytest.raises(DomainError) as exc:
        draft_note(
            world.p.clinician,
            world.p.client_a,
            follow_ups=[{"rupture": other.ruptures.get().pk, "outcome": "repaired"}],
        )
    assert set(exc.value.fields) == {"follow_ups.0.rupture"}  # the rupture check, not any other refusal


def test_close_rupture_needs_reason_and_care_team(world):
    note = signed_note(world.p.clinician2, world.p.client_b, ruptures=[withdrawal_rupture(outcome="unresolved")])
    rupture = note.ruptures.get()
    with pytest.raises(DomainError):
        services.rupture_close(actor=world.p.clinician2.membership, rupture=rupture, reason=" ")
    with pytest.raises(NotAllowed):
        services.rupture_close(actor=world.p.clinician.membership, rupture=rupture, reason="not my client")
    services.rupture_close(actor=world.p.clinician2.membership, rupture=rupture, reason="Treatment ended.")
    rupture.refresh_from_db()
    assert rupture.resolved_at and rupture.closed_reason == "Treatment ended."
    with pytest.raises(InvalidTransition):
        services.rupture_close(actor=world.p.clinician2.membership, rupture=rupture, reason="again")


def test_psychotherapy_notes_are_the_authors_alone(world):
    note = services.psychotherapy_note_create(
        actor=world.p.clinician.membership, client=world.p.client_a, body="My own process: I felt protective of her."
    )
    assert list(selectors.psychotherapy_note_list(actor=world.p.clinician.membership)) == [note]
    for role in ("supervisor", "admin", "front_desk", "client"):
        assert not selectors.psychotherapy_note_list(actor=world.p.members[role]).exists()
    from django.http import Http404

    with pytest.raises(Http404):
        services.psychotherapy_note_update(actor=world.p.supervisor.membership, note=note, body="x")
    services.psychotherapy_note_update(actor=world.p.clinician.membership, note=note, body="revised")
    services.psychotherapy_note_delete(actor=world.p.clinician.membership, note=note)


def test_note_scope_author_care_team_and_supervisor_never_admin(world):
    draft = draft_note(world.p.clinician, world.p.client_a)
    signed = signed_note(world.p.clinician, world.p.client_a)
    clinician_notes = set(selectors.progress_note_list(actor=world.p.clinician.membership))
    assert clinician_notes == {draft, signed}
    assert set(selectors.progress_note_list(actor=world.p.supervisor.membership)) == {signed}
    assert not selectors.progress_note_list(actor=world.p.clinician2.membership).exists()
    for role in ("admin", "front_desk", "client"):
        assert not selectors.progress_note_list(actor=world.p.members[role]).exists()
    # A colleague on the same care team reads signed notes, not drafts.
    from tests.factories.practice import CareTeamMemberFactory

    CareTeamMemberFactory(practice=world.p.practice, client=world.p.client_a, clinician=world.p.clinician2)
    assert set(selectors.progress_note_list(actor=world.p.clinician2.membership)) == {signed}


def test_appointment_has_signed_note(world):
    from tests.factories.notes import appointment_for

    appointment = appointment_for(world.p.clinician2, world.p.client_b)
    assert not selectors.appointment_has_signed_note(appointment_id=appointment.pk)
    note = draft_note(world.p.clinician2, world.p.client_b, appointment=appointment)
    assert note.session_at == appointment.starts_at
    assert not selectors.appointment_has_signed_note(appointment_id=appointment.pk)
    services.progress_note_sign(actor=world.p.clinician2.membership, note=note)
    assert selectors.appointment_has_signed_note(appointment_id=appointment.pk)


def test_note_text_is_absent_from_raw_sql(world):
    secret = "She said the word 'abandoned' three times"
    note = signed_note(
        world.p.clinician2,
        world.p.client_b,
        content={**RELATIONAL, "process": secret},
        risk_level="low",
        risk_rationale="Rationale words here",
        ruptures=[withdrawal_rupture(therapist_contribution="My clock glance")],
    )
    services.addendum_create(actor=world.p.clinician2.membership, note=note, body="Addendum words here")
    services.psychotherapy_note_create(
        actor=world.p.clinician2.membership, client=world.p.client_b, body="Process-note words here"
    )
    dump = []
    with connection.cursor() as cursor:
        for table in ("notes_progressnote", "notes_ruptureevent", "notes_addendum", "notes_psychotherapynote"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names
            dump.append(repr(cursor.fetchall()))
    raw = "\n".join(dump)
    for text in (
        secret,
        "abandoned",
        "Rationale words",
        "My clock glance",
        "Addendum words",
        "Process-note words",
        "Grief about her father",
    ):
        assert text not in raw
    assert "gAAAAA" in raw  # Fernet tokens are what is stored
    assert ProgressNote.objects.get(pk=note.pk).content["process"] == secret


def test_overdue_task_alerts_author_once(world):
    old = draft_note(world.p.clinician, world.p.client_a, session_at=timezone.now() - timedelta(hours=80))
    draft_note(world.p.clinician, world.p.client_a, session_at=timezone.now() - timedelta(hours=10))
    signed_note(world.p.clinician2, world.p.client_b, session_at=timezone.now() - timedelta(hours=100))
    from notes.tasks import overdue_notes_flag_task

    overdue_notes_flag_task()
    overdue_notes_flag_task()  # safe to run twice
    alerts = list(OverdueNoteAlert.objects.all())
    assert [(a.note_id, a.author_id) for a in alerts] == [(old.pk, world.p.clinician.pk)]
    assert list(selectors.overdue_alert_list(actor=world.p.clinician.membership)) == alerts
    assert not selectors.overdue_alert_list(actor=world.p.clinician2.membership).exists()
    counts = selectors.overdue_counts(actor=world.p.members["admin"])
    assert counts == [
        {"clinician": world.p.clinician.pk, "clinician_name": world.p.clinician.membership.user.full_name, "overdue": 1}
    ]


def test_overdue_hours_is_practice_configurable(world):
    world.p.practice.settings = {"note_overdue_hours": 24}
    world.p.practice.save()
    draft_note(world.p.clinician, world.p.client_a, session_at=timezone.now() - timedelta(hours=30))
    assert services.overdue_notes_flag() == 1


def test_a_psychotherapy_note_cannot_name_an_appointment_the_client_did_not_attend(world):
    from tests.factories.notes import appointment_for

    other_clients_session = appointment_for(world.p.clinician, world.p.client_b)
    with pytest.raises(DomainError) as exc:
        services.psychotherapy_note_create(
            actor=world.p.clinician.membership,
            client=world.p.client_a,
            body="process",
            appointment=other_clients_session,
        )
    assert exc.value.fields == {"appointment": ["Client not in this appointment."]}


def test_a_supervisor_reads_supervisee_notes_only_for_the_supervisees_clients(world):
    from notes.selectors import progress_note_list
    from practice.models import CareTeamMember
    from tests.factories.notes import signed_note

    note = signed_note(world.p.clinician, world.p.client_a)
    supervisor = world.p.supervisor.membership
    assert progress_note_list(actor=supervisor).filter(pk=note.pk).exists()
    CareTeamMember.objects.filter(client=world.p.client_a, clinician=world.p.clinician).delete()
    assert not progress_note_list(actor=supervisor).filter(pk=note.pk).exists()
    # Off the care team, the author reads nothing clinical of the client either, their own notes included.
    assert not progress_note_list(actor=world.p.clinician.membership).filter(pk=note.pk).exists()
