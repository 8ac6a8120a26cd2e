"""Browser sessions (the admin site, operators only): inactivity timeout and absolute lifetime.

Inactivity is Django's own: `SESSION_COOKIE_AGE` (30 minutes) renewed on every request
(`SESSION_SAVE_EVERY_REQUEST`). The absolute lifetime is here: a session ends
`SESSION_MAX_AGE_HOURS` after its log-in, however active. Practice staff hold tokens, not sessions,
and their practice's own token rules apply (backend/api/views.py).
"""

import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout

LOGIN_AT = "attune_login_at"


def record_login_time(sender, request, user, **kwargs):
    """`user_logged_in` receiver (connected in practice.apps)."""
    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_AT] = time.time()


class SessionLifetimeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and SESSION_KEY in session:
            started = session.get(LOGIN_AT)
            # A session without a log-in time predates this rule: it ends now, once.
            if started is None or time.time() - started > settings.SESSION_MAX_AGE_HOURS * 3600:
                logout(request)
        return self.get_response(request)
