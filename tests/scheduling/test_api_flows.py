"""The issue's "done when", tried through the HTTP API as the front desk and as a client."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from scheduling.models import Appointment, AppointmentSeries, Status
from tests.factories.scheduling import AvailabilityExceptionFactory


def api_for(membership) -> APIClient:
    api = APIClient()
    _, token = AuthToken.objects.create(membership.user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}", HTTP_X_PRACTICE=membership.practice.slug)
    return api


def next_monday() -> datetime:
    today = timezone.localdate()
    return today + timedelta(days=7 - today.weekday())


def test_front_desk_books_a_series_sees_leave_conflicts_cancels_and_reschedules(sched):
    desk = api_for(sched.front_desk)
    monday = next_monday()
    # 1. the first free 50-minute slot with any clinician next week
    response = desk.get(
        "/api/v1/slots/",
        {
            "appointment_type": sched.session.pk,
            "date_from": monday.isoformat(),
            "date_to": (monday + timedelta(days=6)).isoformat(),
            "tz": "America/New_York",
            "mode": "telehealth",
        },
    )
    assert response.status_code == 200, response.json()
    first = response.json()[0]
    assert first["time_zone"] == "America/New_York"
    start = datetime.fromisoformat(first["starts_at"])
    assert start.astimezone(ZoneInfo("America/New_York")).strftime("%H:%M") == "07:00"
    clinician = sched.clinician if first["clinician"] == sched.clinician.pk else sched.clinician2

    # the clinician is on leave for one week in January
    leave_start = datetime(monday.year + (1 if monday.month > 1 else 0), 1, 11, tzinfo=UTC)
    AvailabilityExceptionFactory(clinician=clinician, starts_at=leave_start, ends_at=leave_start + timedelta(days=7))

    body = {
        "clinician": clinician.pk,
        "clients": [sched.client.pk],
        "appointment_type": sched.session.pk,
        "mode": "telehealth",
        "time_zone": "America/New_York",
        "start_date": monday.isoformat(),
        "local_time": "07:00",
        "rrule": "FREQ=WEEKLY",
        "until_date": f"{leave_start.year}-06-30",
    }
    # 2. all or nothing: 409, with the conflicting week named, and nothing booked
    response = desk.post("/api/v1/series/", body, format="json")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "series_conflicts"
    conflicts = [o for o in error["occurrences"] if o["status"] == "conflict"]
    assert len(conflicts) == 1 and conflicts[0]["conflict"]["code"] == "clinician_unavailable"
    assert (
        leave_start.date()
        <= datetime.fromisoformat(conflicts[0]["starts_at"]).date()
        < (leave_start + timedelta(days=7)).date()
    )
    assert not AppointmentSeries.objects.exists()

    # 3. book the rest
    response = desk.post("/api/v1/series/", {**body, "on_conflict": "book_available"}, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    booked = [o for o in data["occurrences"] if o["status"] == "booked"]
    assert len(booked) == len(data["occurrences"]) - 1 and len(booked) > 20
    series = AppointmentSeries.objects.get(pk=data["series"]["id"])
    assert {a.starts_at.astimezone(ZoneInfo("America/New_York")).hour for a in series.appointments.all()} == {7}

    # 4. cancel one occurrence, reschedule another
    first_appt, second_appt = series.appointments.order_by("starts_at")[:2]
    response = desk.post(
        f"/api/v1/appointments/{first_appt.pk}/cancel/", {"reason": "Client travelling"}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    new_start = second_appt.starts_at + timedelta(hours=3)
    response = desk.post(
        f"/api/v1/appointments/{second_appt.pk}/reschedule/", {"starts_at": new_start.isoformat()}, format="json"
    )
    assert response.status_code == 200, response.json()
    history = desk.get(f"/api/v1/appointments/{second_appt.pk}/history/").json()
    moved = [h for h in history if h["kind"] == "rescheduled"]
    assert datetime.fromisoformat(moved[0]["old_starts_at"]) == second_appt.starts_at
    assert datetime.fromisoformat(moved[0]["new_starts_at"]) == new_start


def test_client_sees_own_sessions_in_own_zone_and_cancels_within_policy(sched):
    sched.client.time_zone = "America/Los_Angeles"
    sched.client.save()
    start = (timezone.now() + timedelta(days=10)).replace(hour=17, minute=0, second=0, microsecond=0)
    desk = api_for(sched.front_desk)
    mine = desk.post(
        "/api/v1/appointments/",
        {
            "clinician": sched.clinician.pk,
            "clients": [sched.client.pk],
            "appointment_type": sched.session.pk,
            "starts_at": start.isoformat(),
            "mode": "telehealth",
        },
        format="json",
    ).json()
    desk.post(
        "/api/v1/appointments/",
        {
            "clinician": sched.clinician2.pk,
            "clients": [sched.client2.pk],
            "appointment_type": sched.session.pk,
            "starts_at": start.isoformat(),
            "mode": "telehealth",
        },
        format="json",
    )
    client = api_for(sched.portal)
    listed = client.get("/api/v1/appointments/").json()["results"]
    assert [a["id"] for a in listed] == [mine["id"]]
    assert listed[0]["time_zone"] == "America/Los_Angeles"
    assert listed[0]["local_starts_at"] == start.astimezone(ZoneInfo("America/Los_Angeles")).isoformat()
    assert "booked_by" not in listed[0] and "clients" not in listed[0]
    response = client.post(f"/api/v1/appointments/{mine['id']}/cancel/", {}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert Appointment.objects.get(pk=mine["id"]).cancelled_by_party == "client"


def test_client_cannot_reschedule_and_late_cancel_is_recorded(sched):
    start = timezone.now() + timedelta(hours=5)
    desk = api_for(sched.front_desk)
    appt = desk.post(
        "/api/v1/appointments/",
        {
            "clinician": sched.clinician.pk,
            "clients": [sched.client.pk],
            "appointment_type": sched.session.pk,
            "starts_at": start.isoformat(),
            "mode": "telehealth",
            "outside_availability": True,
        },
        format="json",
    ).json()
    client = api_for(sched.portal)
    assert (
        client.post(
            f"/api/v1/appointments/{appt['id']}/reschedule/",
            {"starts_at": (start + timedelta(days=1)).isoformat()},
            format="json",
        ).status_code
        == 403
    )
    response = client.post(f"/api/v1/appointments/{appt['id']}/cancel/", {}, format="json")
    assert response.json()["status"] == Status.LATE_CANCELLED


def test_conflict_answer_names_resource_and_time_but_not_the_other_client(sched):
    desk = api_for(sched.front_desk)
    start = datetime(2027, 2, 1, 15, tzinfo=UTC)
    payload = {
        "clinician": sched.clinician.pk,
        "clients": [sched.client.pk],
        "appointment_type": sched.session.pk,
        "starts_at": start.isoformat(),
        "mode": "telehealth",
    }
    assert desk.post("/api/v1/appointments/", payload, format="json").status_code == 201
    # Another client, same clinician, overlapping time: the clinician is what is taken.
    response = desk.post(
        "/api/v1/appointments/",
        {**payload, "clients": [sched.client2.pk], "starts_at": (start + timedelta(minutes=20)).isoformat()},
        format="json",
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["resource"] == "clinician" and "taken_from" in error
    for leak in (sched.client.last_name, sched.client.first_name, sched.session.name):
        assert leak not in str(error)


def test_invalid_transition_is_409_with_current_status(sched):
    desk = api_for(sched.front_desk)
    appt = desk.post(
        "/api/v1/appointments/",
        {
            "clinician": sched.clinician.pk,
            "clients": [sched.client.pk],
            "appointment_type": sched.session.pk,
            "starts_at": "2027-02-01T15:00:00Z",
            "mode": "telehealth",
        },
        format="json",
    ).json()
    assert (
        desk.post(f"/api/v1/appointments/{appt['id']}/transition/", {"status": "completed"}, format="json").status_code
        == 200
    )
    response = desk.post(f"/api/v1/appointments/{appt['id']}/transition/", {"status": "confirmed"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["current_status"] == "completed"


def test_calendar_feed_is_secret_revocable_and_minimal(sched):
    desk = api_for(sched.front_desk)
    desk.post(
        "/api/v1/appointments/",
        {
            "clinician": sched.clinician.pk,
            "clients": [sched.client.pk],
            "appointment_type": sched.session.pk,
            "starts_at": (timezone.now() + timedelta(days=3)).isoformat(),
            "mode": "telehealth",
            "video_link": "https://video.example.test/r/1",
            "outside_availability": True,
        },
        format="json",
    )
    clinician_api = api_for(sched.clinician.membership)
    url = clinician_api.post("/api/v1/calendar-feed/").json()["url"]
    path = url[url.index("/api/v1/") :]
    response = APIClient().get(path)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert "BEGIN:VEVENT" in body and f"Session {sched.client.initials}" in body
    assert sched.client.last_name not in body and sched.session.name not in body
    for leak in (sched.clinician.credentials, sched.clinician.membership.user.full_name):
        assert leak not in body
    assert "video.example.test" in body

    new_url = clinician_api.post("/api/v1/calendar-feed/").json()["url"]
    assert APIClient().get(path).status_code == 404  # rotated: the old URL is dead
    new_path = new_url[new_url.index("/api/v1/") :]
    assert APIClient().get(new_path).status_code == 200
    assert clinician_api.delete("/api/v1/calendar-feed/").status_code == 204
    assert APIClient().get(new_path).status_code == 404


def test_a_deactivated_clinicians_calendar_feed_stops_serving(sched):
    url = api_for(sched.clinician.membership).post("/api/v1/calendar-feed/").json()["url"]
    path = url[url.index("/api/v1/") :]
    assert APIClient().get(path).status_code == 200
    sched.clinician.membership.is_active = False
    sched.clinician.membership.save(update_fields=["is_active"])
    assert APIClient().get(path).status_code == 404


def test_cancellation_surfaces_matching_waitlist_entries_oldest_first(sched):
    desk = api_for(sched.front_desk)
    start = datetime(2027, 2, 1, 15, tzinfo=UTC)  # Monday 10:00 New York
    appt = desk.post(
        "/api/v1/appointments/",
        {
            "clinician": sched.clinician.pk,
            "clients": [sched.client.pk],
            "appointment_type": sched.session.pk,
            "starts_at": start.isoformat(),
            "mode": "telehealth",
        },
        format="json",
    ).json()
    entries = [
        {
            "client": sched.client2.pk,
            "appointment_type": sched.session.pk,
            "preferred_weekdays": [0],
            "earliest_time": "09:00",
            "latest_time": "12:00",
        },
        {"client": sched.client2.pk, "appointment_type": sched.session.pk, "clinician": sched.clinician.pk},
        {"client": sched.client2.pk, "appointment_type": sched.session.pk, "preferred_weekdays": [1]},
        {"client": sched.client2.pk, "appointment_type": sched.session.pk, "clinician": sched.clinician2.pk},
    ]
    ids = [desk.post("/api/v1/waitlist/", e, format="json").json()["id"] for e in entries]
    desk.post(f"/api/v1/appointments/{appt['id']}/cancel/", {"by": "client"}, format="json")
    matches = desk.get(f"/api/v1/appointments/{appt['id']}/waitlist-matches/").json()
    assert [m["id"] for m in matches] == ids[:2]
    filtered = desk.get("/api/v1/waitlist/", {"opening": appt["id"]}).json()
    assert [m["id"] for m in filtered] == ids[:2]


def test_series_extend_task_is_safe_to_run_twice(sched):
    from scheduling.tasks import series_extend_task

    desk = api_for(sched.front_desk)
    sched.practice.settings = {"mfa_required": False, "series_horizon_days": 21}
    sched.practice.save()
    response = desk.post(
        "/api/v1/series/",
        {
            "clinician": sched.clinician.pk,
            "clients": [sched.client.pk],
            "appointment_type": sched.session.pk,
            "mode": "telehealth",
            "time_zone": "America/New_York",
            "start_date": next_monday().isoformat(),
            "local_time": "09:00",
            "rrule": "FREQ=WEEKLY",
        },
        format="json",
    )
    series_id = response.json()["series"]["id"]
    before = Appointment.objects.filter(series_id=series_id).count()
    sched.practice.settings = {"mfa_required": False, "series_horizon_days": 42}
    sched.practice.save()
    added = series_extend_task(series_id)
    assert added == {"booked": 3, "skipped": 0}
    assert series_extend_task(series_id) == {"booked": 0, "skipped": 0}
    assert Appointment.objects.filter(series_id=series_id).count() == before + 3
