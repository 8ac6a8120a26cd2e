"""The browser sessions a person has open, so that "log out everywhere" can end each of them."""

from django.conf import settings
from django.db import models


class SignedInSession(models.Model):
    """One row per signed-in browser session (the session itself lives in Django's session store)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signed_in_sessions")
    session_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["user"])]
