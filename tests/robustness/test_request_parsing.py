"""Bad input refused at the door (issue #12, items 1, 2, 8, 9, 11): a 4xx naming the place, never a 500."""

import json

import pytest
from django.conf import settings
from django.test import override_settings
from rest_framework.test import APIClient

DEEP = "[" * 10_000 + "]" * 10_000


def _post(api, path, raw: str):
    return api.generic("POST", path, raw.encode("utf-8", "surrogatepass"), content_type="application/json")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role, path",
    [(None, "/api/v1/auth/login/"), ("front_desk", "/api/v1/clients/"), ("admin", "/api/v1/locations/")],
)
def test_json_nested_ten_thousand_deep_is_a_400_naming_the_body(world, role, path):
    response = _post(world.client_for(role), path, DEEP)
    assert response.status_code == 400, response.content[:300]
    assert "body" in response.json()["error"]["fields"]


@pytest.mark.django_db
def test_json_nested_just_past_the_limit_is_refused_and_at_the_limit_is_read(world):
    from backend.api.parsers import MAX_DEPTH

    api = world.client_for("front_desk")
    too_deep = {"first_name": "A", "last_name": "B", "x": json.loads("[" * MAX_DEPTH + "]" * MAX_DEPTH)}
    response = api.post("/api/v1/clients/", too_deep, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"body": [f"Nested more than {MAX_DEPTH} levels deep."]}
    fits = {"first_name": "A", "last_name": "B", "x": json.loads("[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1))}
    assert api.post("/api/v1/clients/", fits, format="json").status_code == 201


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role, path, body, field",
    [
        (
            "front_desk",
            "/api/v1/clients/",
            '{"first_name": "A", "last_name": "B", "time_zone": "\\ud800"}',
            "time_zone",
        ),
        ("admin", "/api/v1/practice/", '{"time_zone": "\\udfff"}', "time_zone"),
        ("front_desk", "/api/v1/appointments/", '{"mode": "\\ud800"}', "mode"),
        (None, "/api/v1/auth/login/", '{"email": "a@b.c", "password": "\\ud800x"}', "password"),
        ("front_desk", "/api/v1/clients/", '{"first_name": "A\\u0000", "last_name": "B"}', "first_name"),
        ("front_desk", "/api/v1/clients/", '{"first_name": "A", "tags": [{"\\ud800": 1}]}', "tags.0"),
    ],
)
def test_lone_surrogates_and_nul_in_any_string_are_a_400_naming_the_field(world, role, path, body, field):
    api = world.client_for(role)
    method = "PATCH" if path == "/api/v1/practice/" else "POST"
    response = api.generic(method, path, body.encode("ascii"), content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert field in response.json()["error"]["fields"]


def test_an_error_message_quoting_a_surrogate_still_renders():
    """Error rendering is safe on its own too: a message holding a surrogate (from any source) is JSON."""
    from rest_framework.exceptions import ValidationError
    from rest_framework.renderers import JSONRenderer

    from backend.api.errors import exception_handler

    response = exception_handler(ValidationError({"mode": ['"\ud800" is not a valid choice.']}), {})
    body = json.loads(JSONRenderer().render(response.data))
    assert body["error"]["fields"]["mode"] == ['"\\ud800" is not a valid choice.']


@pytest.mark.django_db
@pytest.mark.parametrize("raw", [b"Token \xe9", b"Token \xff\xfe", b"Token abc\x00def", "Token \u20ac"])
def test_an_authorization_header_that_is_not_a_token_is_a_401(world, raw):
    api = APIClient()
    header = raw.decode("latin-1") if isinstance(raw, bytes) else raw
    for path in ("/api/v1/clients/", "/api/v1/auth/logout/"):
        method = api.post if path.endswith("logout/") else api.get
        response = method(path, HTTP_AUTHORIZATION=header)
        assert response.status_code == 401, (path, response.status_code)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path, params",
    [
        ("/api/v1/appointments/", {"status": "\x00"}),
        ("/api/v1/clients/", {"q": "a\x00b"}),
        ("/api/v1/reminders/", {"status": "\x00"}),
        ("/api/v1/intake/forms/", {"slug": "\x00"}),
        ("/api/v1/audit-events/", {"request_id": "\x00", "object_type": "x\x00"}),
    ],
)
def test_a_nul_in_a_text_filter_is_a_400_naming_the_parameter(world, path, params):
    response = world.client_for("admin" if "audit" in path else "front_desk").get(path, params)
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert set(params) <= set(response.json()["error"]["fields"])


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_a_20_mb_body_under_debug_settings_gets_the_documented_413(world):
    api = world.client_for("front_desk")
    body = json.dumps({"first_name": "x" * (20 * 1024 * 1024)})
    response = api.post("/api/v1/clients/", data=body, content_type="application/json")
    assert response.status_code == 413, response.status_code
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"] == {
        "code": "request_too_large",
        "message": f"The request body is larger than the {settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024} KiB "
        "this API accepts.",
        "max_bytes": settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
    }


@pytest.mark.django_db
@override_settings(DEBUG=True)
@pytest.mark.parametrize("path", ["/api/v1/no-such-thing/", "/api/v2/", "/api/", "/api/v1/clients/abc/"])
def test_no_debug_page_lists_urls_for_an_api_path(world, path):
    response = world.client_for("front_desk").get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "not_found"
    assert b"urlpatterns" not in response.content and b"URLconf" not in response.content
