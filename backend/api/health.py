import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        return False


def _redis_state() -> str:
    if not settings.REDIS_URL:
        return "not_configured"  # embedded mode: filesystem broker, per-process cache
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
        return "ok"
    except Exception:
        return "unreachable"


@never_cache
@require_GET
def healthz(request):
    """Reachability of the database and Redis. Says nothing of configuration, versions or hosts."""
    checks = {"database": "ok" if _database_ok() else "unreachable", "redis": _redis_state()}
    healthy = all(v in ("ok", "not_configured") for v in checks.values())
    return JsonResponse({"status": "ok" if healthy else "degraded", "checks": checks}, status=200 if healthy else 503)
