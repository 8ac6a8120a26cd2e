"""What a client's own cancellation would do now, said before they confirm it (the portal's cancel page and the
reminder link page). The same rules as `appointment_cancel` for a client cancelling online: the cut-off
(`settings.client_cancel_cutoff_hours`) and the late-cancellation window (`cancellation_window_hours`);
tests/portal/test_cancellation_outlook.py holds the two side by side."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from scheduling.models import Appointment, Status
from scheduling.services.appointment_rules import CANCELLABLE


@dataclass(frozen=True)
class CancellationOutlook:
    allowed: bool  # the client may cancel online now
    late: bool  # it would count as a late cancellation
    reason: str  # why not, when not allowed
    window_hours: int


def client_cancellation_outlook(*, appointment: Appointment, now: datetime | None = None) -> CancellationOutlook:
    now = now or timezone.now()
    practice = appointment.practice
    window_hours = practice.cancellation_window_hours
    if appointment.status not in CANCELLABLE:
        return CancellationOutlook(False, False, "This session cannot be cancelled.", window_hours)
    cutoff = timedelta(hours=(practice.settings or {}).get("client_cancel_cutoff_hours", 0))
    if now > appointment.starts_at - cutoff:
        return CancellationOutlook(
            False, False, "It is too late to cancel this session online: please call the practice.", window_hours
        )
    late = appointment.status != Status.REQUESTED and appointment.starts_at - now < timedelta(hours=window_hours)
    return CancellationOutlook(True, late, "", window_hours)
