"""The request a piece of work runs for, read by the audit trail so services need not carry the HTTP request
around. backend.api.middleware.RequestIdMiddleware sets it for each request; outside one (a Celery task, a
management command) it is the empty default."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip_address: str | None = None
    client_request_id: str = ""  # the caller's X-Request-ID, when sane: a correlation hint, never our id


current_request: ContextVar[RequestContext] = ContextVar("current_request", default=RequestContext())  # noqa: B039 (frozen)
