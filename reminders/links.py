"""Signed, expiring, single-appointment confirm/cancel links (django.core.signing).

A token names one appointment, one client, one action and the appointment's start time
when it was issued: a moved appointment invalidates every earlier link, and no token is
good after the session starts or after `REMINDERS_LINK_MAX_AGE` seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing

SALT = "reminders.appointment-link"
ACTIONS = ("confirm", "cancel")


@dataclass(frozen=True)
class LinkClaim:
    appointment_id: int
    client_id: int
    action: str
    starts_at_ts: int


def max_age() -> int:
    return int(getattr(settings, "REMINDERS_LINK_MAX_AGE", 30 * 24 * 3600))


def link_token(*, appointment, client_id: int, action: str) -> str:
    assert action in ACTIONS
    payload = {"a": appointment.pk, "c": client_id, "x": action, "t": int(appointment.starts_at.timestamp())}
    return signing.dumps(payload, salt=SALT, compress=True)


def link_url(*, appointment, client_id: int, action: str) -> str:
    token = link_token(appointment=appointment, client_id=client_id, action=action)
    base = getattr(settings, "PUBLIC_BASE_URL", "http://localhost:8000").rstrip("/")
    # The page (backend/portal/links.py) says what will happen and asks for a button press (a POST with CSRF),
    # so a mail scanner opening the link changes nothing; API clients keep /api/v1/reminders/links/.
    return f"{base}/appointment-link/?{urlencode({'token': token})}"


def link_read(token: str) -> LinkClaim:
    """Raise signing.SignatureExpired or signing.BadSignature; the service turns them into errors."""
    data = signing.loads(token, salt=SALT, max_age=max_age())
    if not isinstance(data, dict) or data.get("x") not in ACTIONS:
        raise signing.BadSignature("malformed")
    return LinkClaim(
        appointment_id=int(data["a"]), client_id=int(data["c"]), action=data["x"], starts_at_ts=int(data["t"])
    )
