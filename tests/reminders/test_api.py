"""Delivery status, resend, policy, and the signed confirm/cancel links."""

from datetime import timedelta

import pytest
from django.core import signing
from django.utils import timezone

from practice.models import AuditEvent
from reminders.links import SALT, link_token
from reminders.models import OutboundMessage
from scheduling.models import Appointment
from tests.factories.reminders import OutboundMessageFactory, ReminderPolicyFactory, appointment_row

pytestmark = pytest.mark.django_db
LINKS = "/api/v1/reminders/links/"


@pytest.fixture
def appointment(world):
    return appointment_row(
        clinician=world.p.clinician, clients=[world.p.client_a], starts_at=timezone.now() + timedelta(days=3)
    )


def _token(world, appointment, action):
    return link_token(appointment=appointment, client_id=world.p.client_a.pk, action=action)


def test_front_desk_sees_status_per_appointment_with_skip_reason(world, appointment, django_assert_max_num_queries):
    a = world.p.client_a
    OutboundMessageFactory(
        appointment=appointment, client=a, status="skipped", skip_reason="no_sms_consent", channel="sms"
    )
    OutboundMessageFactory(appointment=appointment, client=a, status="sent")
    other = appointment_row(clinician=world.p.clinician, clients=[a], starts_at=timezone.now() + timedelta(days=9))
    OutboundMessageFactory(appointment=other, client=a)
    api = world.client_for("front_desk")
    with django_assert_max_num_queries(8):
        body = api.get("/api/v1/reminders/", {"appointment": appointment.pk}).json()
    rows = {(r["channel"], r["status"], r["skip_reason"]) for r in body["results"]}
    assert rows == {("sms", "skipped", "no_sms_consent"), ("email", "sent", "")}


def test_resend_requeues_a_failed_row_and_refuses_others(world, appointment):
    failed = OutboundMessageFactory(
        appointment=appointment, client=world.p.client_a, status="failed", attempts=6, last_error="gave up"
    )
    api = world.client_for("front_desk")
    response = api.post(f"/api/v1/reminders/{failed.pk}/resend/")
    assert response.status_code == 200 and response.json()["status"] == "pending"
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("pending", 0)
    assert AuditEvent.objects.filter(object_type="reminders.outboundmessage", object_id=str(failed.pk)).exists()
    again = api.post(f"/api/v1/reminders/{failed.pk}/resend/")
    assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_transition"


def test_policy_update_validates_steps(world):
    api = world.client_for("admin")
    bad = api.patch(
        "/api/v1/reminder-policy/",
        {"steps": [{"offset_minutes": 60, "channel": "email"}, {"offset_minutes": 60, "channel": "email"}]},
    )
    assert bad.status_code == 400 and "steps" in bad.json()["error"]["fields"]
    ok = api.patch(
        "/api/v1/reminder-policy/",
        {
            "steps": [{"offset_minutes": 60, "channel": "sms"}, {"offset_minutes": 2880, "channel": "email"}],
            "send_confirmation": False,
        },
    )
    assert ok.status_code == 200
    assert [s["offset_minutes"] for s in ok.json()["steps"]] == [2880, 60]


def test_confirm_link_confirms_without_login_and_twice_is_harmless(world, appointment):
    from rest_framework.test import APIClient

    api = APIClient()
    token = _token(world, appointment, "confirm")
    preview = api.get(LINKS, {"token": token})
    assert preview.status_code == 200 and preview.json()["status"] == "scheduled"  # GET changes nothing
    for _ in range(2):
        response = api.post(LINKS, {"token": token}, format="json")
        assert response.status_code == 200 and response.json()["status"] == "confirmed"
    appointment.refresh_from_db()
    assert appointment.status == "confirmed"
    assert appointment.changes.filter(new_status="confirmed").count() == 1


def test_cancel_link_applies_the_late_cancellation_window(world):
    from rest_framework.test import APIClient

    ReminderPolicyFactory(practice=world.p.practice)
    soon = appointment_row(
        clinician=world.p.clinician, clients=[world.p.client_a], starts_at=timezone.now() + timedelta(hours=5)
    )
    response = APIClient().post(LINKS, {"token": _token(world, soon, "cancel")}, format="json")
    assert response.status_code == 200
    soon.refresh_from_db()
    assert (soon.status, soon.cancelled_by_party) == ("late_cancelled", "client")  # inside the 24 h window


def test_cancel_link_respects_the_practice_cut_off(world, appointment):
    from rest_framework.test import APIClient

    world.p.practice.settings = {"client_cancel_cutoff_hours": 96}
    world.p.practice.save()
    response = APIClient().post(LINKS, {"token": _token(world, appointment, "cancel")}, format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "past_cancellation_cutoff"
    assert Appointment.objects.get(pk=appointment.pk).status == "scheduled"


def test_cancel_link_cancels_pending_reminders(world, appointment):
    from rest_framework.test import APIClient

    ReminderPolicyFactory(practice=world.p.practice)
    pending = OutboundMessageFactory(appointment=appointment, client=world.p.client_a)
    assert APIClient().post(LINKS, {"token": _token(world, appointment, "cancel")}, format="json").status_code == 200
    pending.refresh_from_db()
    assert pending.status == OutboundMessage.Status.CANCELLED


@pytest.mark.parametrize("case", ["forged", "expired", "moved", "other_client"])
def test_bad_links_do_nothing(world, appointment, settings, case):
    from rest_framework.test import APIClient

    token = _token(world, appointment, "cancel")
    code = "link_invalid"
    if case == "forged":
        token = signing.dumps({"a": appointment.pk, "c": world.p.client_a.pk, "x": "cancel", "t": 0}, salt="wrong")
    elif case == "expired":
        settings.REMINDERS_LINK_MAX_AGE = -1
        code = "link_expired"
    elif case == "moved":
        appointment.set_times(appointment.starts_at + timedelta(hours=2))
        appointment.save()
        code = "link_outdated"
    else:
        token = signing.dumps(
            {"a": appointment.pk, "c": world.p.client_b.pk, "x": "cancel", "t": int(appointment.starts_at.timestamp())},
            salt=SALT,
            compress=True,
        )
    response = APIClient().post(LINKS, {"token": token}, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == code
    assert Appointment.objects.get(pk=appointment.pk).status == "scheduled"


def test_filter_by_another_practices_appointment_answers_like_an_unknown_one(world):
    other = appointment_row(clinician=world.q.clinician, clients=[world.q.client_a])
    OutboundMessageFactory(appointment=other, client=world.q.client_a)
    api = world.client_for("front_desk")
    for appointment_id in (other.pk, 999_999_999):
        response = api.get("/api/v1/reminders/", {"appointment": appointment_id})
        assert response.status_code == 200 and response.json()["results"] == []


def test_twilio_backend_is_chosen_by_settings_and_needs_credentials(settings):
    from django.core.exceptions import ImproperlyConfigured

    from reminders.backends.sms import get_sms_backend
    from reminders.backends.twilio_sms import TwilioSmsBackend

    settings.REMINDERS_SMS_BACKEND = "reminders.backends.twilio_sms.TwilioSmsBackend"
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "", ""
    with pytest.raises(ImproperlyConfigured):
        get_sms_backend()
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "AC" + "0" * 32, "token"
    settings.TWILIO_FROM_NUMBER = "+15005550006"
    assert isinstance(get_sms_backend(), TwilioSmsBackend)  # constructed only: no network call in tests
