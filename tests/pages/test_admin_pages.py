"""The admin's pages do what the API does, through the same services: roles, deactivation, invitations and
their revocation, supervision, settings (validated), locations, appointment types, reminder policy, forms
(definition errors next to the field), the audit log's filters."""

from __future__ import annotations

import json

import pytest
from django.core import mail
from knox.models import AuthToken

from intake.models import FormVersion
from practice.models import AuditEvent, Invitation, Supervision
from reminders.services.policy import reminder_policy_for
from scheduling.models import AppointmentType, Location
from tests.pages.conftest import send_outbox_now, signed_in_client


@pytest.fixture
def admin_client(world):
    return signed_in_client(world.p.members["admin"])


def test_roles_change_through_the_service_with_its_errors_next_to_the_field(world, admin_client):
    member = world.p.members["front_desk"]
    bad = admin_client.post(f"/manage/staff/{member.pk}/", {"roles": ["supervisor"]})
    assert bad.status_code == 200 and "A supervisor must also hold the clinician role." in bad.content.decode()
    ok = admin_client.post(f"/manage/staff/{member.pk}/", {"roles": ["front_desk", "admin"]})
    assert ok.status_code == 302
    member.refresh_from_db()
    assert member.roles == ["admin", "front_desk"]
    own = world.p.members["admin"]
    refused = admin_client.post(f"/manage/staff/{own.pk}/", {"roles": ["front_desk"]})
    assert "You cannot remove your own administrator role." in refused.content.decode()


def test_deactivation_signs_the_member_out_and_reactivation_lets_them_back(world, admin_client):
    member = world.p.members["front_desk"]
    their_browser = signed_in_client(member)
    AuthToken.objects.create(member.user)
    admin_client.post(f"/manage/staff/{member.pk}/active/", {"active": "0"})
    assert not AuthToken.objects.filter(user=member.user).exists()
    assert their_browser.get("/").status_code == 403  # no active membership left
    admin_client.post(f"/manage/staff/{member.pk}/active/", {"active": "1"})
    assert signed_in_client(member).get("/").status_code == 200


def test_invite_then_revoke(world, admin_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/manage/invitations/", {"email": "x@example.test", "roles": ["clinician"]})
    send_outbox_now()
    assert response.status_code == 302 and len(mail.outbox) == 1
    client_role = admin_client.post("/manage/invitations/", {"email": "y@example.test", "roles": ["client"]})
    assert "'client' cannot be given by invitation." in client_role.content.decode() or client_role.status_code == 200
    invitation = Invitation.objects.get(email="x@example.test")
    assert "<td>x@example.test" in admin_client.get("/manage/invitations/").content.decode()
    admin_client.post(f"/manage/invitations/{invitation.pk}/revoke/")
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert "<td>x@example.test" not in admin_client.get("/manage/invitations/").content.decode()
    again = admin_client.post(f"/manage/invitations/{invitation.pk}/revoke/", follow=True)
    assert "no longer pending" in again.content.decode()


def test_supervision_pairs(world, admin_client):
    existing = Supervision.objects.get(practice=world.p.practice)
    same = admin_client.post(
        "/manage/supervision/", {"supervisor": existing.supervisor_id, "supervisee": existing.supervisee_id}
    )
    assert "This supervision already exists." in same.content.decode()
    not_supervisor = admin_client.post(
        "/manage/supervision/", {"supervisor": world.p.clinician2.pk, "supervisee": world.p.clinician.pk}
    )
    assert "Does not hold the supervisor role." in not_supervisor.content.decode()
    other_practice = admin_client.post(
        "/manage/supervision/", {"supervisor": world.q.supervisor.pk, "supervisee": world.p.clinician2.pk}
    )
    assert "Select a valid choice." in other_practice.content.decode()  # another practice's id: not a choice
    admin_client.post(f"/manage/supervision/{existing.pk}/end/")
    existing.refresh_from_db()
    assert existing.ended_on is not None


def test_settings_are_validated_and_saved_through_the_practice_service(world, admin_client):
    practice = world.p.practice
    form = {"name": "Renamed", "time_zone": "America/Chicago", "cancellation_window_hours": "12", "mfa_required": "on"}
    too_short = admin_client.post("/manage/settings/", {**form, "session_idle_minutes": "1"})
    assert "Ensure this value is greater than or equal to 5." in too_short.content.decode()
    admin_client.post("/manage/settings/", {**form, "session_idle_minutes": "15", "token_max_hours": "4"})
    practice.refresh_from_db()
    assert (practice.name, practice.time_zone, practice.cancellation_window_hours) == ("Renamed", "America/Chicago", 12)
    assert practice.settings["mfa_required"] is True and practice.settings["session_idle_minutes"] == 15
    assert practice.settings["token_max_hours"] == 4 and "session_max_hours" not in practice.settings
    assert AuditEvent.objects.filter(practice=practice, object_type="practice.practice", action="update").exists()


def test_locations_and_appointment_types(world, admin_client):
    admin_client.post("/manage/locations/", {"name": "Annex", "time_zone": "America/New_York", "is_active": "on"})
    location = Location.objects.get(practice=world.p.practice, name="Annex")
    duplicate = admin_client.post("/manage/locations/", {"name": "Annex", "time_zone": "UTC", "is_active": "on"})
    assert duplicate.status_code == 200 and "already exists" in duplicate.content.decode()
    admin_client.post(f"/manage/locations/{location.pk}/", {"name": "Annex 2", "time_zone": "UTC"})
    location.refresh_from_db()
    assert (location.name, location.time_zone, location.is_active) == ("Annex 2", "UTC", False)
    admin_client.post("/manage/rooms/", {"location": location.pk, "name": "Blue room", "is_active": "on"})
    assert location.rooms.filter(name="Blue room").exists()
    other = Location.objects.create(practice=world.q.practice, name="Theirs")
    foreign = admin_client.post("/manage/rooms/", {"location": other.pk, "name": "Sneaky", "is_active": "on"})
    assert "Select a valid choice." in foreign.content.decode()
    base = {
        "name": "Couples",
        "duration_minutes": "80",
        "buffer_before_minutes": "0",
        "buffer_after_minutes": "10",
        "min_notice_hours": "24",
        "max_advance_days": "90",
        "allows_in_person": "on",
        "is_active": "on",
    }
    admin_client.post("/manage/appointment-types/", base)
    kind = AppointmentType.objects.get(practice=world.p.practice, name="Couples")
    assert kind.duration_minutes == 80 and kind.buffer_after_minutes == 10


def test_reminder_policy_steps_with_errors_next_to_the_field(world, admin_client):
    bad = admin_client.post("/manage/reminders/", {"steps": "2 email"})
    assert bad.status_code == 200 and "Step 0: 5 minutes to 30 days." in bad.content.decode()
    garbled = admin_client.post("/manage/reminders/", {"steps": "soon email"})
    assert "Line 1: write the minutes, then the channel" in garbled.content.decode()
    admin_client.post("/manage/reminders/", {"steps": "120 sms\n1440 email", "send_confirmation": "on"})
    policy = reminder_policy_for(practice=world.p.practice)
    assert policy.steps == [{"offset_minutes": 1440, "channel": "email"}, {"offset_minutes": 120, "channel": "sms"}]
    assert policy.send_confirmation is True and policy.send_change_notices is False


def test_publishing_a_forms_new_version_shows_definition_errors_next_to_the_field(world, admin_client):
    form = world.target("intake_form", "mine")
    latest = form.versions.order_by("-number").first()
    page = admin_client.get(f"/manage/forms/{form.pk}/").content.decode()
    assert "Publish as a new version" in page
    not_json = admin_client.post(f"/manage/forms/{form.pk}/", {"content": "{not json"})
    assert "This is not valid JSON" in not_json.content.decode()
    invalid = admin_client.post(f"/manage/forms/{form.pk}/", {"content": json.dumps({"questions": "nope"})})
    assert invalid.status_code == 200 and "The definition is not valid." in invalid.content.decode()
    drafts = FormVersion.objects.filter(form=form, status=FormVersion.Status.DRAFT)
    assert list(drafts.values_list("content", flat=True)) == ([latest.content] if latest.status == "draft" else [])
    done = admin_client.post(f"/manage/forms/{form.pk}/", {"content": json.dumps(latest.content)})
    assert done.status_code == 302
    newest = form.versions.order_by("-number").first()
    # a draft is published as it is numbered; a published latest gets a new version after it
    assert newest.number == latest.number + (latest.status == FormVersion.Status.PUBLISHED)
    assert newest.status == FormVersion.Status.PUBLISHED


def test_front_desk_reads_forms_but_may_not_publish(world):
    form = world.target("intake_form", "mine")
    desk = signed_in_client(world.p.members["front_desk"])
    page = desk.get(f"/manage/forms/{form.pk}/")
    assert page.status_code == 200 and "Publish as a new version" not in page.content.decode()
    assert desk.post(f"/manage/forms/{form.pk}/", {"content": "{}"}).status_code == 403


def test_the_audit_log_filters_by_person_object_action_and_date(world, admin_client):
    desk = world.p.members["front_desk"]
    event = world.target("audit_event", "mine")  # front desk updated client_a
    world.target("audit_event", "other")  # practice q: never shown
    page = admin_client.get("/manage/audit/").content.decode()
    assert f"{event.object_type} {event.object_id}" in page
    assert world.q.members["front_desk"].user.email not in page  # practice q's event
    by_person = admin_client.get("/manage/audit/", {"person": desk.user_id, "action": "update"}).content.decode()
    assert desk.user.email in by_person
    nobody = admin_client.get(
        "/manage/audit/",
        {"person": world.p.members["admin"].user_id, "action": "update", "object_type": event.object_type},
    ).content.decode()
    assert "No events match." in nobody
    day = event.at.astimezone().date()
    before = admin_client.get("/manage/audit/", {"date_to": str(day.replace(year=day.year - 1))}).content.decode()
    assert "No events match." in before
    by_object = admin_client.get(
        "/manage/audit/", {"object_type": event.object_type, "object_id": event.object_id}
    ).content.decode()
    assert desk.user.email in by_object
