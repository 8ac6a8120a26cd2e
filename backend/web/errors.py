"""The app's own error pages (400, 403, 404, 429, 500, 503) for page URLs; the API keeps its JSON errors
(backend/api/errors.py routes by path). They render without the database and without the request's
context processors, so a 503 for a lost database can still be shown, and never show a stack trace or
a URL list, whatever DEBUG says."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.template import loader

TEXTS = {
    400: ("The request could not be read", "Something in the request was not what this page expects."),
    403: ("Not allowed", "Your role in this practice does not allow this page."),
    404: ("Page not found", "There is no page here, or it is not one you can open."),
    429: ("Too many attempts", "Too many attempts in a short time. Wait a few minutes and try again."),
    500: ("Something went wrong", "Something went wrong on our side. It has been logged; try again shortly."),
    503: ("Temporarily unavailable", "The service cannot reach its database right now. Try again shortly."),
}


def is_api_path(path: str) -> bool:
    return path.startswith("/api/")


def error_page(request, status: int, *, message: str | None = None, headers: dict | None = None) -> HttpResponse:
    title, default_message = TEXTS[status]
    context = {
        "status": status,
        "title": title,
        "message": message or default_message,
        "request_id": getattr(request, "request_id", ""),
        "signed_in": _signed_in_without_db(request),
    }
    html = loader.get_template("web/errors/error.html").render(context)
    response = HttpResponse(html, status=status, headers=headers)
    if status == 503:
        response["Retry-After"] = str(settings.DATABASE_UNAVAILABLE_RETRY_AFTER)
    return response


def _signed_in_without_db(request) -> bool:
    # The lazy request.user would query the database, which may be the reason for this page.
    session = getattr(request, "session", None)
    try:
        return bool(session is not None and session.get("_auth_user_id"))
    except Exception:  # a session store that cannot be read (the database is down)
        return False


def csrf_failure(request, reason: str = ""):
    """CSRF_FAILURE_VIEW: a form posted without (or with a stale) CSRF token."""
    return error_page(
        request,
        403,
        message="This form has expired or was sent from elsewhere. Go back, reload the page and try again.",
    )
