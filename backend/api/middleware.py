import re
import uuid

from backend.api.errors import not_found
from core.request_context import RequestContext, current_request

# What a caller's own X-Request-ID may look like to be kept beside ours (never instead of it).
_SAFE_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def client_request_id(value: str) -> str:
    """The caller's X-Request-ID if it is short and plain (letters, digits, `._:-`, at most 64), else ""."""
    value = (value or "").strip()
    return value if _SAFE_CLIENT_REQUEST_ID.match(value) else ""


class RequestIdMiddleware:
    """Gives every request an id of the server's own making, for logs and the audit trail.

    A caller's `X-Request-ID` is never the request id: two callers (or one caller on purpose) could file
    different people's requests under one id. A sane one is kept beside it (`client_request_id`, in the audit
    detail) so a proxy's or a client's logs can still be matched.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = uuid.uuid4().hex
        request.client_request_id = client_request_id(request.headers.get("X-Request-ID", ""))
        context = RequestContext(request.request_id, request.META.get("REMOTE_ADDR") or None, request.client_request_id)
        token = current_request.set(context)
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
    /api/ into the `not_found` body handler404 gives in production; other paths keep Django's pages. A page
    that lives under /api/ (the intake form, opened from an emailed link) marks its own 404 with `is_page`.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 404
            and request.path.startswith("/api/")
            and not response.get("Content-Type", "").startswith("application/json")
            and not getattr(response, "is_page", False)  # a page served under /api/ (the intake form's own 404)
        ):
            return not_found(request)
        return response
