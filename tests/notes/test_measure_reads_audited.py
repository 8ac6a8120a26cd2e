"""The timeline and session prep show measures and risk flags: reading them is audited even when the
client has no signed notes yet."""

from practice.models import AuditEvent


def test_timeline_read_is_audited_without_any_note(world):
    client = world.p.client_a
    response = world.client_for("clinician").get(f"/api/v1/notes/clients/{client.pk}/timeline/")
    assert response.status_code == 200
    event = AuditEvent.objects.get(object_type="notes.timeline", object_id=str(client.pk))
    assert event.actor == world.p.clinician.membership.user and event.action == "read"


def test_session_prep_read_is_audited_without_any_note(world):
    client = world.p.client_a
    response = world.client_for("supervisor").get(f"/api/v1/notes/clients/{client.pk}/session-prep/")
    assert response.status_code == 200
    assert AuditEvent.objects.filter(
        object_type="notes.session_prep", object_id=str(client.pk), actor=world.p.supervisor.membership.user
    ).exists()
