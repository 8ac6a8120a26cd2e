"""Public endpoints are rate-limited per client address by an atomic counter in Redis."""

import threading

import pytest
from rest_framework.test import APIClient


@pytest.fixture
def tight_limits(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon_auth": "5/min", "public_link": "5/min"},
    }


def test_the_sixth_reset_request_in_a_minute_is_refused(db, tight_limits):
    api = APIClient(REMOTE_ADDR="198.51.100.20")
    codes = [api.post("/api/v1/auth/password-reset/", {"email": "a@example.test"}).status_code for _ in range(6)]
    assert codes == [202] * 5 + [429]
    assert (
        "retry_after_seconds" in api.post("/api/v1/auth/password-reset/", {"email": "a@example.test"}).json()["error"]
    )


def test_another_address_has_its_own_allowance(db, tight_limits):
    for _ in range(6):
        APIClient(REMOTE_ADDR="198.51.100.21").get("/api/v1/reminders/links/", {"token": "forged"})
    other = APIClient(REMOTE_ADDR="198.51.100.22").get("/api/v1/reminders/links/", {"token": "forged"})
    assert other.status_code == 400


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_never_exceed_the_limit(tight_limits):
    results: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(20)

    def hit():
        start.wait()
        status = APIClient(REMOTE_ADDR="198.51.100.23").get("/api/v1/reminders/links/", {"token": "forged"}).status_code
        with lock:
            results.append(status)

    threads = [threading.Thread(target=hit) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(429) == 15
    assert len(results) == 20
