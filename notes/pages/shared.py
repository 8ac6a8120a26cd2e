"""What the notes pages share: the role gate, the practice's zone, the note form's parsing."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from core.errors import DomainError
from core.lookups import id_or_none
from notes.apis import CLINICAL
from notes.models import Family, RiskLevel, RuptureEvent
from practice import roles

# Every clinical page answers 404 to a role outside its set (front desk, admin, client), a list included: the
# page is not acknowledged to those who may never see clinical content (the brief's rule, stricter than the
# shell's 403 on a collection page).
__all__ = ["CLINICAL", "SUPERVISORS", "day_bounds", "parse_note_changes", "zone"]

SUPERVISORS = {roles.SUPERVISOR}
OUTCOMES = RuptureEvent.Outcome.choices
FOLLOW_UP_OUTCOMES = [
    ("repaired", "Repaired"),
    ("partial", "Partly repaired"),
    ("unresolved", "Still open"),
]


def zone(request) -> ZoneInfo:
    return ZoneInfo(request.membership.practice.time_zone)


def day_bounds(request, *, days: int = 1) -> tuple[datetime, datetime]:
    """[start, end) of today (or this week from Monday, days=7) in the practice's zone."""
    tz = zone(request)
    today = timezone.now().astimezone(tz).date()
    first = today - timedelta(days=today.weekday()) if days == 7 else today
    start = datetime.combine(first, time.min, tzinfo=tz)
    return start, start + timedelta(days=days)


def _int_or_none(value: str, field: str, *, low: int, high: int) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    number = id_or_none(value, low=low, high=high)
    if number is None:
        raise DomainError("Check the highlighted fields.", fields={field: [f"A whole number from {low} to {high}."]})
    return number


def _choice(value: str, allowed, field: str) -> None:
    if value not in allowed:
        raise DomainError("Check the highlighted fields.", fields={field: ["Not one of the choices."]})


def parse_note_changes(post, *, note, marker_families: dict[str, str]) -> tuple[int | None, dict]:
    """The note form (notes/note_edit.html) as the service's changes: (version, changes).

    Rupture slots `r-<i>-...` count when a family is chosen (markers of the other family are dropped, so a
    change of family does not refuse the save); follow-ups `f-<rupture id>-...` when an outcome is chosen.
    """
    version = _int_or_none(post.get("version", ""), "version", low=1, high=10**9)
    content = {s["key"]: post.get(f"content.{s['key']}", "") for s in note.template.sections}
    risk_level = post.get("risk_level", RiskLevel.NONE)
    changes: dict = {
        "content": content,
        "risk_level": risk_level,
        "risk_rationale": post.get("risk_rationale", "").strip() if risk_level != RiskLevel.NONE else "",
    }
    if note.template.has_ruptures:
        ruptures: list[dict[str, object]] = []
        for i in range(_int_or_none(post.get("rupture_slots", "0"), "rupture_slots", low=0, high=50) or 0):
            p = f"r-{i}-"
            family = post.get(p + "family", "")
            if not family or post.get(p + "remove"):
                continue
            position = len(ruptures)
            _choice(family, Family.values, f"ruptures.{position}.family")
            _choice(
                post.get(p + "outcome") or "unresolved", RuptureEvent.Outcome.values, f"ruptures.{position}.outcome"
            )
            intensity = _int_or_none(post.get(p + "intensity", ""), f"ruptures.{position}.intensity", low=1, high=5)
            ruptures.append(
                {
                    "minute": _int_or_none(post.get(p + "minute", ""), f"ruptures.{position}.minute", low=0, high=600),
                    "family": family,
                    "markers": [m for m in post.getlist(p + "markers") if marker_families.get(m) == family],
                    "intensity": intensity or 1,
                    "therapist_contribution": post.get(p + "contribution", ""),
                    "strategies": post.getlist(p + "strategies"),
                    "client_response": post.get(p + "response", ""),
                    "outcome": post.get(p + "outcome") or RuptureEvent.Outcome.UNRESOLVED,
                }
            )
            if intensity is None:
                raise DomainError(
                    "Give the rupture's intensity (1 to 5).",
                    fields={f"ruptures.{position}.intensity": ["Required."]},
                )
        changes["ruptures"] = ruptures
    follow_ups = []
    for key in post:
        if key.startswith("f-") and key.endswith("-outcome") and post.get(key):
            rupture_id = key[2 : -len("-outcome")]
            _choice(post.get(key), [v for v, _ in FOLLOW_UP_OUTCOMES], f"follow_ups.{rupture_id}.outcome")
            if id_or_none(rupture_id) is not None:
                follow_ups.append(
                    {
                        "rupture": int(rupture_id),
                        "outcome": post.get(key),
                        "strategies": post.getlist(f"f-{rupture_id}-strategies"),
                        "client_response": post.get(f"f-{rupture_id}-response", ""),
                    }
                )
    changes["follow_ups"] = follow_ups
    return version, changes
