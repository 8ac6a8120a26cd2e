"""The API's rate limits on the pages that anyone may post to (sign-in, second factor, reset, invitation):
the same atomic counter per client address and the same scope, so the page and the API share one budget."""

from __future__ import annotations

from backend.api.throttling import AtomicScopedThrottle
from backend.web.middleware import TooManyRequests


class _Scope:
    throttle_scope = "anon_auth"


def throttle_anon_auth(request) -> None:
    throttle = AtomicScopedThrottle()
    if not throttle.allow_request(request, _Scope()):
        raise TooManyRequests(int(throttle.wait()))
