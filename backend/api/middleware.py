import re
import uuid
from contextvars import ContextVar
from dataclasses import dataclass

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip_address: str | None = None


# Read by the audit trail, so services need not carry the HTTP request around.
current_request: ContextVar[RequestContext] = ContextVar("current_request", default=RequestContext())  # noqa: B039 (frozen)


class RequestIdMiddleware:
    """Gives every request an id (kept from a proxy's X-Request-ID when sane) for logs and the audit trail."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = current_request.set(RequestContext(request.request_id, request.META.get("REMOTE_ADDR") or None))
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(token)
        response["X-Request-ID"] = request.request_id
        return response


class ApiErrorPagesMiddleware:
    """Under /api/ an error is always the API's JSON body, never a page.

    With DEBUG on (`make run`), Django answers a URL no route matches with its technical 404 page, which
    lists every URL pattern of the project, and ignores handler404. This turns any such HTML 404 under
    /api/ into the `not_found` body handler404 gives in production; other paths keep Django's pages.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 404
            and request.path.startswith("/api/")
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            from backend.api.errors import not_found

            return not_found(request)
        return response
