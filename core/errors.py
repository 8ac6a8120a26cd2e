"""Domain exceptions that services raise; the API's one handler (backend/api/errors.py) turns them into the
documented error body, and the pages show their message. Statuses are plain ints from `http.HTTPStatus`, so
the domain needs nothing of the web framework.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

# What a 400 for field problems says, from a serializer or from a service (InvalidInput).
INVALID_INPUT_MESSAGE = "The request is not valid."
# The one message for an id that does not resolve, whatever the reason: DRF's own wording for a missing pk,
# which the scoped related fields answer at the door (tests/robustness/test_core_errors.py keeps them equal).
UNKNOWN_ID = 'Invalid pk "{pk_value}" - object does not exist.'


class DomainError(Exception):
    """Base for business-rule failures. `code` is stable and documented; `message` is for people."""

    status_code: int = HTTPStatus.BAD_REQUEST.value
    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: dict[str, list[str]] | None = None,
        extra: dict[str, Any] | None = None,
    ):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}
        self.extra = extra or {}


class Conflict(DomainError):
    status_code = HTTPStatus.CONFLICT.value
    code = "conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class NotAllowed(DomainError):
    """The caller may see the object but not do this to it (403)."""

    status_code = HTTPStatus.FORBIDDEN.value
    code = "permission_denied"


class InvalidInput(DomainError):
    """Field problems a service finds ({field: [reasons]}): the same 400 as an input serializer's."""

    code = "invalid"

    def __init__(self, fields: dict[str, list[str]], message: str = INVALID_INPUT_MESSAGE):
        super().__init__(message, fields=fields)


def unknown_id_error(field: str, pk: object) -> InvalidInput:
    """The 400 for an id a service takes from stored state rather than from the request (a series' clients,
    re-booked after one left the caller's caseload): the same answer as an unknown id in a request body."""
    return InvalidInput({field: [UNKNOWN_ID.format(pk_value=pk)]})
