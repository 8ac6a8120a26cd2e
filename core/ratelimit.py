"""Fixed-window counters in the shared cache (Redis' atomic INCR): every worker on every server draws from one
counter per key, so two workers can never both let a request through on the same count.

backend.api.throttling.AtomicScopedThrottle (the API's and the pages' rate limits) counts with it.
"""

from __future__ import annotations

from django.core.cache import cache


def fixed_window_hit(key: str, *, window_seconds: int) -> int:
    """Count one hit in the window at `key` (started by the first hit, `window_seconds` long) and return the
    count so far, this hit included."""
    cache.add(key, 0, window_seconds)  # SET NX: the window starts with the first hit
    try:
        return int(cache.incr(key))
    except ValueError:  # the window expired between the two calls: start a new one
        cache.add(key, 1, window_seconds)
        return 1
