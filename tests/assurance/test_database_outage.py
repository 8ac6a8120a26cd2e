"""A database that cannot be reached answers 503 `database_unavailable` with Retry-After, never a 500.

The outage is real: PostgreSQL itself is told to refuse every new connection to the test database
(`ALLOW_CONNECTIONS false`) and the test's own connection is terminated by the server, so the next
query meets a dead socket and the reconnect is refused. bench/faults_run.py restarts a whole server
under load; this is the same failure, small enough for every CI run.
"""

import contextlib

import pytest
from django.db import connection
from psycopg import sql
from rest_framework.test import APIClient

from practice.models import User
from scheduling.models import Appointment
from tests.factories.scheduling import AppointmentTypeFactory
from tests.pg import admin_connection

pytestmark = pytest.mark.django_db(transaction=True)


@contextlib.contextmanager
def database_refusing_connections():
    name = connection.settings_dict["NAME"]
    connection.ensure_connection()
    backend_pid = connection.connection.info.backend_pid
    with admin_connection("postgres") as admin:
        admin.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(sql.Identifier(name)))
        try:
            admin.execute("SELECT pg_terminate_backend(%s)", [backend_pid])
            yield
        finally:
            admin.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(sql.Identifier(name)))
            # What Django's request_finished handler does in production (the test client turns it off):
            # drop the dead connection so the next query opens a new one.
            connection.close()


def _assert_unavailable(response, *, json_body: bool = True):
    assert response.status_code == 503, response.content[:300]
    assert response["Retry-After"] == "5"
    if json_body:
        assert response.json()["error"]["code"] == "database_unavailable"


def test_an_api_read_during_an_outage_is_a_503_and_works_again_after(world):
    api = world.client_for("front_desk")
    assert api.get("/api/v1/clients/").status_code == 200
    with database_refusing_connections():
        _assert_unavailable(api.get("/api/v1/clients/"))
    assert api.get("/api/v1/clients/").status_code == 200


def test_a_booking_during_an_outage_is_a_503_and_writes_nothing(world):
    api = world.client_for("front_desk")
    session_type = AppointmentTypeFactory(practice=world.p.practice)
    body = {
        "clinician": world.p.clinician.pk,
        "clients": [world.p.client_a.pk],
        "appointment_type": session_type.pk,
        "mode": "telehealth",
        "video_link": "https://video.example/room",
        "starts_at": "2031-03-03T15:00:00Z",
        "outside_availability": True,
    }
    before = Appointment.objects.count()
    with database_refusing_connections():
        _assert_unavailable(api.post("/api/v1/appointments/", body, format="json"))
    assert Appointment.objects.count() == before
    assert api.post("/api/v1/appointments/", body, format="json").status_code == 201


def test_a_failure_outside_the_api_views_is_a_503_too():
    """The admin site reads the session in a view DRF does not wrap: Django's 500 handler answers it, with the
    app's 503 page (backend/web/errors.py), which renders without the database."""
    operator = User.objects.create_user(email="operator@attune.test", password="op-pass-12345", is_staff=True)
    browser = APIClient(raise_request_exception=False)
    browser.force_login(operator)
    assert browser.get("/admin/").status_code == 200
    with database_refusing_connections():
        response = browser.get("/admin/")
        _assert_unavailable(response, json_body=False)
        assert response["Content-Type"].startswith("text/html")
        assert "cannot reach its database" in response.content.decode()


def test_an_unexpected_error_under_the_api_is_a_json_500_with_the_request_id(rf):
    from backend.api.errors import server_error

    request = rf.get("/api/v1/clients/")
    request.request_id = "req-1234567890"
    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        response = server_error(request)
    assert response.status_code == 500
    assert b'"code": "server_error"' in response.content
    assert b"req-1234567890" in response.content
