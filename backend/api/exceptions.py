"""Domain exceptions that services raise; the API's one handler turns them into responses."""

from rest_framework import status


class DomainError(Exception):
    """Base for business-rule failures. `code` is stable and documented; `message` is for people."""

    status_code: int = status.HTTP_400_BAD_REQUEST
    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: dict[str, list[str]] | None = None,
        extra: dict | None = None,
    ):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}
        self.extra = extra or {}


class Conflict(DomainError):
    status_code = status.HTTP_409_CONFLICT
    code = "conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class NotAllowed(DomainError):
    """The caller may see the object but not do this to it (403)."""

    status_code = status.HTTP_403_FORBIDDEN
    code = "permission_denied"
