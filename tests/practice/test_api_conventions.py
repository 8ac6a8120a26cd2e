from rest_framework.test import APIClient


def test_healthz_reports_database_and_redis_without_authentication(db):
    response = APIClient().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}


def test_healthz_answers_503_when_redis_is_unreachable(db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = APIClient().get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"] == "unreachable"
    assert "127.0.0.1" not in response.content.decode()


def test_bad_input_names_each_field_and_reason(world):
    response = world.client_for("front_desk").post(
        "/api/v1/clients/", {"first_name": "", "time_zone": "Mars/Olympus", "email": "not-an-email"}, format="json"
    )
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert {"first_name", "last_name", "email"} <= set(fields)


def test_invalid_time_zone_is_a_400_naming_the_field(world):
    response = world.client_for("front_desk").post(
        "/api/v1/clients/", {"first_name": "A", "last_name": "B", "time_zone": "Mars/Olympus"}, format="json"
    )
    assert response.status_code == 400
    assert "time_zone" in response.json()["error"]["fields"]


def test_page_size_is_capped(world):
    response = world.client_for("front_desk").get("/api/v1/clients/", {"page_size": 100000})
    assert response.status_code == 200
    assert response.json()["count"] == 2


def test_schema_and_docs_are_served(db):
    api = APIClient()
    assert api.get("/api/schema/").status_code == 200
    assert api.get("/api/docs/").status_code == 200


def test_supervisor_role_requires_clinician_role(world):
    response = world.client_for("admin").patch(
        f"/api/v1/staff/{world.p.members['front_desk'].pk}/", {"roles": ["supervisor"]}, format="json"
    )
    assert response.status_code == 400
    assert "roles" in response.json()["error"]["fields"]


def test_a_role_refusal_says_it_is_about_the_role(world):
    response = world.client_for("front_desk").get("/api/v1/audit-events/")
    assert response.status_code == 403
    assert "role" in response.json()["error"]["message"]


def test_an_unknown_api_url_answers_the_api_error_body(db):
    response = APIClient().get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not found."}}


def test_cors_is_closed_by_default(db):
    response = APIClient().get("/healthz", HTTP_ORIGIN="https://evil.example")
    assert not [h for h in response.headers if h.lower().startswith("access-control-allow")]
