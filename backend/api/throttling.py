"""Rate limits on the public endpoints (log-in, password reset, invitation, MFA, signed links).

DRF's own throttles read, compare and write back a history list, so two workers can both let a
request through on the same count. This one counts with core.ratelimit's atomic counter in the shared
cache: every gunicorn worker on every server draws from one counter per (scope, client address, window).
"""

from django.core.cache import cache
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from core.ratelimit import fixed_window_hit


class AtomicScopedThrottle(SimpleRateThrottle):
    """Fixed window per client address; the scope and its rate come from the view's `throttle_scope`."""

    cache = cache

    def __init__(self):  # the rate depends on the view, so it is read in allow_request
        pass

    def get_cache_key(self, request, view):
        return f"throttle:{self.scope}:{self.get_ident(request)}"

    def allow_request(self, request, view):
        self.scope = getattr(view, "throttle_scope", None) or "anon_auth"
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        if rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(rate)
        count = fixed_window_hit(self.get_cache_key(request, view), window_seconds=self.duration)
        return count <= self.num_requests

    def wait(self):
        return self.duration
