"""One error format for the whole API.

Every error answers:

    {"error": {"code": "<stable_code>", "message": "<for people>",
               "fields": {"<field>": ["<reason>", ...]}, ...extra}}

`fields` is present for validation errors (400: a serializer's, Django's, or a service's
core.errors.InvalidInput, all with code `invalid`) and names each wrong field. Nested
fields use dotted paths (`clients.0.email`); errors not tied to a field use `non_field_errors`.

A database that cannot be reached (restart, failover, network cut) answers 503
`database_unavailable` with `Retry-After`, from a view or from any middleware: the request's
transaction has rolled back, so the client may simply try again. A transaction PostgreSQL aborted because a
concurrent one won (a deadlock, a serialization failure) is not an unreachable database: 409 `write_contended`
(core/contention.py; services retry these first).
"""

import logging
import sys

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from backend.web.errors import error_page
from core.contention import contended, is_contention
from core.errors import DomainError

logger = logging.getLogger(__name__)


def _safe_text(value) -> str:
    """A message as text the renderer can encode: a lone surrogate quoted back from the input (a message
    like '"\\ud800" is not a valid choice.') becomes its escape, instead of a UnicodeEncodeError and a 500."""
    text = str(value)
    return text.encode("utf-8", "backslashreplace").decode("utf-8") if not text.isascii() else text


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else _safe_text(key)
            for k, v in _flatten(value, name).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            out[prefix or "non_field_errors"] = [_safe_text(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                for k, v in _flatten(item, f"{prefix}.{index}" if prefix else str(index)).items():
                    out.setdefault(k, []).extend(v)
    else:
        out[prefix or "non_field_errors"] = [_safe_text(detail)]
    return out


def _body(code: str, message: str, fields: dict | None = None, **extra) -> dict:
    error: dict[str, object] = {"code": code, "message": _safe_text(message)}
    if fields:
        error["fields"] = fields
    error.update(extra)
    return {"error": error}


def _database_unavailable(exc: BaseException | None) -> bool:
    """Lost or refused connections (and the server's other transient refusals: a cancelled statement).
    Django raises InterfaceError for a connection it has already seen die. Constraint violations are
    IntegrityError and never land here; nor does contention (a deadlock, a serialization failure), a 409."""
    return isinstance(exc, OperationalError | InterfaceError) and not is_contention(exc)


DATABASE_UNAVAILABLE = "The service cannot reach its database right now. Try again shortly."


def _database_unavailable_response(exc: BaseException, response):
    logger.warning("database unavailable: %s: %s", exc.__class__.__name__, str(exc).strip().split("\n")[0])
    response["Retry-After"] = str(settings.DATABASE_UNAVAILABLE_RETRY_AFTER)
    return response


def _too_large() -> dict:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    message = f"The request body is larger than the {limit // 1024} KiB this API accepts."
    return _body("request_too_large", message, max_bytes=limit)


def exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):  # here too, not only in handler400: DEBUG would show its own page
        return Response(_too_large(), status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, SuspiciousOperation):  # too many fields, a bad multipart boundary...
        return Response(_body("bad_request", "The request could not be read."), status=400)
    if is_contention(exc):
        logger.warning("write contended: %s", str(exc).strip().split("\n")[0])
        exc = contended()
    if _database_unavailable(exc):
        body = _body("database_unavailable", DATABASE_UNAVAILABLE)
        return _database_unavailable_response(exc, Response(body, status=status.HTTP_503_SERVICE_UNAVAILABLE))
    if isinstance(exc, DomainError):
        response = Response(_body(exc.code, exc.message, exc.fields or None, **exc.extra), status=exc.status_code)
        if "retry_after_seconds" in exc.extra:  # a domain throttle (MFA codes, resends) says it like DRF's does
            response["Retry-After"] = str(int(exc.extra["retry_after_seconds"]))
        return response
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(_body("invalid", "The request is not valid.", _flatten(detail)), status=400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real bug: let it be a 500 and reach the logs
    if isinstance(exc, exceptions.ValidationError):
        response.data = _body("invalid", "The request is not valid.", _flatten(exc.detail))
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        response.data = _body(str(code), str(detail))
    if response.status_code == status.HTTP_429_TOO_MANY_REQUESTS and getattr(exc, "wait", None):
        response.data["error"]["retry_after_seconds"] = int(exc.wait)
    return response


def bad_request(request, exception=None):
    """Django's 400 handler, for what Django refuses before any view parses it: a body over
    DATA_UPLOAD_MAX_MEMORY_SIZE (413 `request_too_large`), too many fields, a disallowed host."""

    if not request.path.startswith("/api/"):
        return error_page(request, 400)
    if isinstance(exception, RequestDataTooBig):
        return JsonResponse(_too_large(), status=413)
    return JsonResponse(_body("bad_request", "The request could not be read."), status=400)


def not_found(request, exception=None):
    """Django's 404 for URLs that match no route: the API's error body under /api/, the app's page elsewhere."""

    if request.path.startswith("/api/"):
        return JsonResponse(_body("not_found", "Not found."), status=404)
    return error_page(request, 404)


def permission_denied(request, exception=None):
    """Django's 403 (a PermissionDenied outside DRF): the API's error body under /api/, the app's page elsewhere."""

    if request.path.startswith("/api/"):
        return JsonResponse(
            _body("permission_denied", "You do not have permission to perform this action."), status=403
        )
    return error_page(request, 403)


def server_error(request):
    """Django's 500 handler: an exception no view handled, raised in a view outside DRF or in a middleware
    (a session read, say). A lost database is a 503 like everywhere else; any other error stays a 500,
    in the API's error body under /api/, with the request id to quote."""

    exc = sys.exc_info()[1]
    is_api = request.path.startswith("/api/")
    if is_contention(exc):
        conflict = contended()
        if is_api:
            return JsonResponse(_body(conflict.code, conflict.message), status=409)
        return HttpResponse(conflict.message, status=409, content_type="text/plain; charset=utf-8")
    if _database_unavailable(exc):
        if is_api:
            response = JsonResponse(_body("database_unavailable", DATABASE_UNAVAILABLE), status=503)
        else:
            response = error_page(request, 503)
        return _database_unavailable_response(exc, response)
    if is_api:
        body = _body("server_error", "Something went wrong on our side.", request_id=getattr(request, "request_id", ""))
        return JsonResponse(body, status=500)
    return error_page(request, 500)
