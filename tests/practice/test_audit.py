import pytest
from django.db import DatabaseError, transaction

from practice.models import AuditEvent


def test_client_record_read_is_audited(world):
    api = world.client_for("clinician")
    response = api.get(f"/api/v1/clients/{world.p.client_a.pk}/", HTTP_X_REQUEST_ID="req-0123456789")
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="read", object_id=str(world.p.client_a.pk))
    assert event.actor == world.p.clinician.membership.user
    assert event.acting_role == "clinician"
    assert event.practice == world.p.practice
    assert event.object_type == "practice.client"
    assert event.request_id == response["X-Request-ID"]  # the server's own id (the caller's is kept beside it)
    assert event.detail == {"client_request_id": "req-0123456789"}
    assert event.ip_address == "127.0.0.1"


def test_client_writes_are_audited_with_field_names_not_values(world):
    api = world.client_for("front_desk")
    created = api.post(
        "/api/v1/clients/",
        {"first_name": "Iris", "last_name": "Murdoch", "emergency_contact_name": "Somebody Private"},
        format="json",
    )
    assert created.status_code == 201
    api.patch(f"/api/v1/clients/{created.json()['id']}/", {"phone": "+14155550999"}, format="json")
    events = AuditEvent.objects.filter(object_id=str(created.json()["id"])).order_by("id")
    assert [e.action for e in events] == ["create", "update"]
    assert events[1].detail == {"fields": ["phone"]}
    assert "Somebody Private" not in str(events[0].detail)


def test_sms_consent_records_its_time_and_source(world):
    api = world.client_for("client")
    response = api.patch(f"/api/v1/clients/{world.p.client_a.pk}/", {"sms_consent": True}, format="json")
    assert response.status_code == 200
    assert response.json()["sms_consent_at"] is not None
    assert response.json()["sms_consent_source"] == "client_portal"


def test_client_cannot_change_fields_outside_contact_and_preferences(world):
    api = world.client_for("client")
    response = api.patch(
        f"/api/v1/clients/{world.p.client_a.pk}/", {"last_name": "Changed", "phone": "+1415"}, format="json"
    )
    assert response.status_code == 403
    assert set(response.json()["error"]["fields"]) == {"last_name"}
    world.p.client_a.refresh_from_db()
    assert world.p.client_a.last_name != "Changed"
    assert world.p.client_a.phone != "+1415"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_audit_events_cannot_be_written_through_the_api(world, method):
    event = AuditEvent.objects.create(practice=world.p.practice, action="read", object_type="x", object_id="1")
    api = world.client_for("admin")
    path = "/api/v1/audit-events/" if method == "post" else f"/api/v1/audit-events/{event.pk}/"
    response = getattr(api, method)(path, {"action": "delete"}, format="json")
    assert response.status_code in (403, 405)  # no write route exists; the role gate may answer first
    event.refresh_from_db()
    assert event.action == "read"


def test_database_refuses_to_change_or_delete_an_audit_event(world):
    event = AuditEvent.objects.create(practice=world.p.practice, action="read", object_type="x", object_id="1")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="delete")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk, action="read").exists()


def test_admin_filters_audit_events_by_object(world):
    world.client_for("clinician").get(f"/api/v1/clients/{world.p.client_a.pk}/")
    response = world.client_for("admin").get(
        "/api/v1/audit-events/", {"object_type": "practice.client", "object_id": world.p.client_a.pk}
    )
    assert response.status_code == 200
    assert [e["action"] for e in response.json()["results"]] == ["read"]
