"""`Idempotency-Key` on booking and series creation: a retried request books once and gets the first reply."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from practice import roles
from scheduling.models import Appointment, AppointmentSeries, IdempotencyRecord
from scheduling.tasks import idempotency_records_expire_task
from tests.factories.practice import MembershipFactory
from tests.scheduling.conftest import build_sched

START = datetime(2027, 3, 1, 15, 0, tzinfo=UTC)


def api_for(membership) -> APIClient:
    api = APIClient()
    _, token = AuthToken.objects.create(membership.user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}", HTTP_X_PRACTICE=membership.practice.slug)
    return api


def booking(s, starts_at=START, client=None) -> dict:
    return {
        "clinician": s.clinician.pk,
        "clients": [(client or s.client).pk],
        "appointment_type": s.session.pk,
        "starts_at": starts_at.isoformat(),
        "mode": "telehealth",
    }


def book(api, body, key):
    return api.post("/api/v1/appointments/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_retry_with_the_same_key_answers_the_first_reply_and_books_nothing(sched):
    desk = api_for(sched.front_desk)
    first = book(desk, booking(sched), "retry-1")
    assert first.status_code == 201, first.json()
    assert "Idempotent-Replayed" not in first

    body = booking(sched)
    retry = book(desk, dict(reversed(list(body.items()))), "retry-1")  # same body, keys in another order

    assert retry.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    assert Appointment.objects.filter(clinician=sched.clinician).count() == 1
    record = IdempotencyRecord.objects.get(membership=sched.front_desk, key="retry-1")
    assert (record.status_code, record.response_body["id"]) == (201, first.json()["id"])
    assert (record.request_method, record.request_path) == ("POST", "/api/v1/appointments/")


def test_without_a_key_a_second_request_books_again_as_before(sched):
    desk = api_for(sched.front_desk)
    assert desk.post("/api/v1/appointments/", booking(sched), format="json").status_code == 201
    again = desk.post("/api/v1/appointments/", booking(sched), format="json")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "clinician_taken"
    assert not IdempotencyRecord.objects.exists()


def test_the_same_key_with_another_body_is_422_naming_the_header(sched):
    desk = api_for(sched.front_desk)
    assert book(desk, booking(sched), "k").status_code == 201

    response = book(desk, booking(sched, starts_at=START + timedelta(hours=2)), "k")

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "idempotency_key_reused"
    assert list(error["fields"]) == ["Idempotency-Key"]
    assert Appointment.objects.filter(clinician=sched.clinician).count() == 1


def test_the_same_key_on_the_other_endpoint_is_422(sched):
    desk = api_for(sched.front_desk)
    assert book(desk, booking(sched), "k").status_code == 201
    response = desk.post("/api/v1/series/", booking(sched), format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"


def test_a_key_is_per_membership(sched):
    desk, other_desk = sched.front_desk, MembershipFactory(practice=sched.practice, roles=[roles.FRONT_DESK])
    first = book(api_for(desk), booking(sched), "shared-key")
    second = book(api_for(other_desk), booking(sched, starts_at=START + timedelta(hours=2)), "shared-key")

    assert (first.status_code, second.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in second
    assert first.json()["id"] != second.json()["id"]
    assert Appointment.objects.filter(clinician=sched.clinician).count() == 2


def test_an_error_reply_is_not_kept_and_a_corrected_retry_with_the_same_key_books(sched):
    desk = api_for(sched.front_desk)
    assert desk.post("/api/v1/appointments/", booking(sched, client=sched.client2), format="json").status_code == 201

    taken = book(desk, booking(sched), "fix-me")
    assert taken.status_code == 409
    assert taken.json()["error"]["code"] == "clinician_taken"
    assert not IdempotencyRecord.objects.filter(key="fix-me").exists()

    corrected = book(desk, booking(sched, starts_at=START + timedelta(hours=2)), "fix-me")
    assert corrected.status_code == 201, corrected.json()
    assert "Idempotent-Replayed" not in corrected
    assert Appointment.objects.filter(clinician=sched.clinician).count() == 2


def test_an_invalid_body_is_not_kept_either(sched):
    desk = api_for(sched.front_desk)
    invalid = book(desk, {**booking(sched), "starts_at": "not a time"}, "k")
    assert invalid.status_code == 400
    assert "starts_at" in invalid.json()["error"]["fields"]
    assert book(desk, booking(sched), "k").status_code == 201


@pytest.mark.parametrize("key", ["", "x" * 256, "caf\u00e9", "tab\there"], ids=["empty", "256", "non-ascii", "tab"])
def test_a_malformed_key_is_400_naming_the_header_and_books_nothing(sched, key):
    response = book(api_for(sched.front_desk), booking(sched), key)
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["Idempotency-Key"]
    assert not Appointment.objects.exists()


def test_a_key_of_255_printable_characters_is_accepted(sched):
    key = "~ " + "k" * 253
    response = book(api_for(sched.front_desk), booking(sched), key)
    assert response.status_code == 201, response.json()
    # Accepted as a key, not ignored: the reply is kept under it and a retry is a replay.
    assert IdempotencyRecord.objects.filter(membership=sched.front_desk, key=key, status_code=201).exists()
    retry = book(api_for(sched.front_desk), booking(sched), key)
    assert (retry.status_code, retry["Idempotent-Replayed"]) == (201, "true")
    assert Appointment.objects.count() == 1


def test_a_series_retried_with_its_key_is_created_once(sched):
    desk = api_for(sched.front_desk)
    body = {
        "clinician": sched.clinician.pk,
        "clients": [sched.client.pk],
        "appointment_type": sched.session.pk,
        "mode": "telehealth",
        "time_zone": "America/New_York",
        "start_date": "2027-03-01",
        "local_time": "10:00",
        "rrule": "FREQ=WEEKLY",
        "count": 4,
    }
    first = desk.post("/api/v1/series/", body, format="json", HTTP_IDEMPOTENCY_KEY="weekly")
    assert first.status_code == 201, first.json()
    retry = desk.post("/api/v1/series/", body, format="json", HTTP_IDEMPOTENCY_KEY="weekly")

    assert retry.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json()["series"]["id"] == first.json()["series"]["id"]
    assert AppointmentSeries.objects.count() == 1
    assert Appointment.objects.filter(series__isnull=False).count() == 4


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_book_once_and_all_answer_the_booking():
    s = build_sched()
    n = 4
    tokens = [AuthToken.objects.create(s.front_desk.user)[1] for _ in range(n)]
    barrier = threading.Barrier(n)
    results: list[tuple[int, dict, str | None]] = []
    lock = threading.Lock()

    def attempt(i: int) -> None:
        try:
            api = APIClient()
            api.credentials(HTTP_AUTHORIZATION=f"Token {tokens[i]}", HTTP_X_PRACTICE=s.practice.slug)
            barrier.wait(timeout=30)
            response = book(api, booking(s), "same-key")
            with lock:
                results.append((response.status_code, response.json(), response.get("Idempotent-Replayed")))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert [code for code, _, _ in results] == [201] * n, results
    assert len({body["id"] for _, body, _ in results}) == 1
    assert sorted(replayed or "" for _, _, replayed in results) == [""] + ["true"] * (n - 1)
    assert Appointment.objects.filter(clinician=s.clinician).count() == 1
    assert IdempotencyRecord.objects.filter(key="same-key").count() == 1


def test_the_expiry_task_deletes_only_records_older_than_the_ttl(sched, settings):
    settings.IDEMPOTENCY_KEY_TTL_HOURS = 24
    desk = api_for(sched.front_desk)
    assert book(desk, booking(sched), "old").status_code == 201
    assert book(desk, booking(sched, starts_at=START + timedelta(hours=2)), "recent").status_code == 201
    IdempotencyRecord.objects.filter(key="old").update(created_at=timezone.now() - timedelta(hours=25))
    IdempotencyRecord.objects.filter(key="recent").update(created_at=timezone.now() - timedelta(hours=23))

    assert idempotency_records_expire_task() == 1

    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["recent"]
    assert Appointment.objects.filter(clinician=sched.clinician).count() == 2  # the bookings stay
    # once forgotten, the key books afresh (here: the slot it booked is taken)
    assert book(desk, booking(sched), "old").json()["error"]["code"] == "clinician_taken"


def test_the_expiry_task_runs_on_the_beat():
    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == idempotency_records_expire_task.name]
    assert len(entries) == 1
