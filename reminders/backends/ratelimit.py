"""Per-practice SMS budget: a fixed window counter in Redis (INCR and EXPIRE in one MULTI).

A bug that loops, or an attacker who books and cancels in a loop, can spend at most
`REMINDERS_SMS_RATE_LIMIT` messages per `REMINDERS_SMS_RATE_WINDOW` seconds per practice.
Without Redis (the embedded run) the counter is per process, which is weaker but still bounded.
"""

from __future__ import annotations

import threading
import time
from functools import lru_cache

from django.conf import settings

from reminders.backends.errors import RateLimited

_local_counts: dict[str, int] = {}
_local_lock = threading.Lock()


@lru_cache(maxsize=4)
def _redis(url: str):
    import redis

    return redis.Redis.from_url(url)


def limits() -> tuple[int, int]:
    return (
        int(getattr(settings, "REMINDERS_SMS_RATE_LIMIT", 300)),
        int(getattr(settings, "REMINDERS_SMS_RATE_WINDOW", 3600)),
    )


def sms_budget_take(*, practice_id: int, now: float | None = None) -> int:
    """Count one SMS against the practice's window; raise RateLimited when over. Returns the count."""
    limit, window = limits()
    now = time.time() if now is None else now
    bucket = int(now // window)
    key = f"attune:reminders:sms-rate:{practice_id}:{bucket}"
    url = getattr(settings, "REDIS_URL", "")
    if url:
        pipe = _redis(url).pipeline(transaction=True)
        pipe.incr(key)
        pipe.expire(key, window * 2)
        count = int(pipe.execute()[0])
    else:
        with _local_lock:
            count = _local_counts[key] = _local_counts.get(key, 0) + 1
    if count > limit:
        raise RateLimited(f"practice SMS limit of {limit} per {window}s reached")
    return count
