from celery import shared_task

from practice.services.tokens import auth_tokens_expire


@shared_task
def auth_tokens_expire_task() -> int:
    """Every 10 minutes: delete the expired API tokens (knox did it on every request, reading all the user's
    tokens; authentication refuses an expired token by itself)."""
    return auth_tokens_expire()
