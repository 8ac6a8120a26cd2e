"""Template filters of the schedule's pages."""

from __future__ import annotations

import zoneinfo

from django import template

from scheduling.calendar import STATUS_TONE
from scheduling.pages.shared import conflict_sentence

register = template.Library()


@register.filter
def in_zone(value, zone: str):
    """An aware datetime as wall-clock time in `zone` (then format it with |date; name the zone on the page)."""
    if value is None:
        return ""
    # naive on purpose: |date would otherwise convert an aware value back to the active time zone
    return value.astimezone(zoneinfo.ZoneInfo(zone)).replace(tzinfo=None)


@register.filter
def status_tone(status: str) -> str:
    return str(STATUS_TONE.get(status, "muted"))  # type: ignore[call-overload]  # a status string keys the TextChoices map


@register.filter
def conflict_words(conflict: dict, zone: str) -> str:
    """A series occurrence's conflict as a sentence in `zone`."""

    conflict = conflict or {}
    return conflict_sentence(conflict, conflict.get("message", ""), zoneinfo.ZoneInfo(zone))


WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@register.filter
def weekday_names(days) -> str:
    """[0, 2] -> "Mon, Wed" (a waitlist entry's preferred weekdays)."""
    return ", ".join(WEEKDAY_NAMES[d] for d in sorted(days or []) if 0 <= d < 7)
