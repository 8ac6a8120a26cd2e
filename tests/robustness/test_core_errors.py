"""core.errors carries no DRF, and the one handler answers its exceptions exactly as it answered DRF's: a field
problem a service finds (InvalidInput) is the same 400 body as a serializer's, byte for byte."""

from __future__ import annotations

import pytest
from rest_framework import serializers

from backend.api.errors import exception_handler
from core.errors import UNKNOWN_ID, Conflict, DomainError, InvalidInput, InvalidTransition, NotAllowed, unknown_id_error


def test_the_unknown_id_message_is_drf_s_own():
    assert UNKNOWN_ID == str(serializers.PrimaryKeyRelatedField.default_error_messages["does_not_exist"])


def test_a_service_s_unknown_id_answers_like_an_unknown_id_at_the_door():
    message = serializers.PrimaryKeyRelatedField.default_error_messages["does_not_exist"]
    drf = serializers.ValidationError({"clients": [message.format(pk_value=7)]})
    expected, got = exception_handler(drf, {}), exception_handler(unknown_id_error("clients", 7), {})
    assert (got.status_code, got.data) == (expected.status_code, expected.data) == (400, got.data)
    assert got.data["error"] == {
        "code": "invalid",
        "message": "The request is not valid.",
        "fields": {"clients": ['Invalid pk "7" - object does not exist.']},
    }


def test_invalid_input_with_several_fields_answers_like_a_serializer():
    fields = {"starts_at": ["Not on the hour."], "room": ["Inactive.", "Booked."]}
    expected = exception_handler(serializers.ValidationError(fields), {})
    got = exception_handler(InvalidInput(fields), {})
    assert (got.status_code, got.data) == (expected.status_code, expected.data)


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (DomainError("x"), 400, "invalid"),
        (Conflict("x"), 409, "conflict"),
        (InvalidTransition("x"), 409, "invalid_transition"),
        (NotAllowed("x"), 403, "permission_denied"),
        (Conflict("x", code="slot_taken", extra={"conflicts": [1]}), 409, "slot_taken"),
    ],
)
def test_domain_errors_keep_their_status_and_code(exc, status, code):
    response = exception_handler(exc, {})
    assert type(exc.status_code) is int
    assert response.status_code == status
    assert response.data["error"]["code"] == code
    assert response.data["error"]["message"] == "x"
    assert response.data["error"].get("conflicts") == exc.extra.get("conflicts")
