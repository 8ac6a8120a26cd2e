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
