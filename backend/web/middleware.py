"""What every page response gets: the app's error pages whatever DEBUG says, a strict Content-Security-Policy,
and no caching of a signed-in person's pages. API responses (/api/) are left alone."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core import signals
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404
from django.urls import Resolver404, resolve

from backend.api.errors import _database_unavailable, not_found
from backend.web.errors import error_page, is_api_path

logger = logging.getLogger("backend.web")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
# The Django admin (operators) and the Swagger UI keep Django's and their own rules.
_NO_CSP_PREFIXES = ("/api/", "/admin/")


class TooManyRequests(Exception):
    """A page's rate limit was reached (backend/web/throttle.py)."""

    def __init__(self, wait_seconds: int):
        super().__init__(wait_seconds)
        self.wait_seconds = wait_seconds


class PageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if settings.DEBUG:
            # With DEBUG on, Django answers an unknown URL with its URL list: never here, page or API.
            try:
                resolve(path)
            except Resolver404:
                if is_api_path(path):
                    return not_found(request)
                return self._headers(request, error_page(request, 404))
        return self._headers(request, self.get_response(request))

    def _headers(self, request, response):
        if request.path_info.startswith(_NO_CSP_PREFIXES):
            return response
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if getattr(request, "user", None) is not None and _authenticated(request):
            response["Cache-Control"] = "no-store"
        return response

    def process_exception(self, request, exception):
        if is_api_path(request.path_info):
            return None
        if isinstance(exception, Http404):
            return error_page(request, 404)
        if isinstance(exception, PermissionDenied):
            return error_page(request, 403, message=str(exception) or None)
        if isinstance(exception, TooManyRequests):
            return error_page(request, 429, headers={"Retry-After": str(exception.wait_seconds)})
        if isinstance(exception, SuspiciousOperation):
            return error_page(request, 400)
        if _database_unavailable(exception):
            logger.warning("database unavailable on a page: %s", exception.__class__.__name__)
            return error_page(request, 503)
        logger.exception("page error %s", request.path_info, exc_info=exception)
        # As Django's own handler does, so the test client re-raises the real error in tests.
        signals.got_request_exception.send(sender=None, request=request)
        return error_page(request, 500)


def _authenticated(request) -> bool:
    try:
        return bool(request.session.get("_auth_user_id"))
    except Exception:
        return False
