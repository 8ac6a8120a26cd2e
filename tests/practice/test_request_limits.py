"""Request size limits: page size is capped, and an oversized body is refused before it is parsed."""

import json

from django.conf import settings


def test_an_oversized_json_body_is_refused_with_413(world):
    api = world.client_for("front_desk")
    padding = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = api.post("/api/v1/clients/", data=json.dumps({"full_name": padding}), content_type="application/json")
    assert response.status_code == 413, response.status_code
    error = response.json()["error"]
    assert error["code"] == "request_too_large"
    assert error["max_bytes"] == settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def test_a_body_just_within_the_limit_is_read(world):
    """A large body under the limit is parsed and acted on (an unknown key pads it; DRF ignores it)."""
    api = world.client_for("front_desk")
    body = {"first_name": "Robin", "last_name": "Ash", "padding": ""}
    room = settings.DATA_UPLOAD_MAX_MEMORY_SIZE - len(json.dumps(body)) - 1024
    body["padding"] = "x" * room
    response = api.post("/api/v1/clients/", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content[:300]
    assert response.json()["last_name"] == "Ash"


def test_a_page_larger_than_the_cap_is_cut_to_the_cap(world):
    from tests.factories.practice import ClientFactory

    ClientFactory.create_batch(205, practice=world.p.practice)
    body = world.client_for("front_desk").get("/api/v1/clients/?page_size=100000").json()
    assert len(body["results"]) == 200
