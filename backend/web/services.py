"""Browser sessions: recorded at sign-in so that "log out everywhere" can end every one of them."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.db import transaction

from backend.web.models import SignedInSession


def signed_in_session_record(*, user, session_key: str) -> None:
    SignedInSession.objects.update_or_create(session_key=session_key, defaults={"user": user})


def signed_in_session_forget(*, session_key: str | None) -> None:
    if session_key:
        SignedInSession.objects.filter(session_key=session_key).delete()


@transaction.atomic
def sign_out_everywhere(*, user) -> int:
    """End every browser session of `user` and revoke every API token (knox) of theirs: "everywhere" means
    the browser and the API alike. Returns how many browser sessions were ended."""
    from knox.models import AuthToken

    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = list(SignedInSession.objects.filter(user=user).values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    SignedInSession.objects.filter(user=user).delete()
    AuthToken.objects.filter(user=user).delete()
    return len(keys)
