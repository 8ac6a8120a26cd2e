"""Turning wall-clock times into instants, with one documented rule for daylight-saving edges.

Rule (docs/scheduling.md): a local time that does not exist (spring forward) is moved
forward by the length of the gap (02:30 on the day New York springs forward becomes 03:30
EDT); a local time that happens twice (fall back) means its first occurrence (fold=0,
the earlier instant, still on summer time). This is exactly PEP 495's fold=0 reading, and
every adjustment is reported to the caller rather than applied silently.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SHIFTED_FORWARD = "nonexistent_shifted_forward"
AMBIGUOUS_FIRST = "ambiguous_first_occurrence"


def resolve_local(naive: datetime, tz: ZoneInfo) -> tuple[datetime, str | None]:
    """The UTC instant for a wall-clock time in `tz`, and which DST rule (if any) applied."""
    first = naive.replace(tzinfo=tz, fold=0)
    second = naive.replace(tzinfo=tz, fold=1)
    instant = first.astimezone(UTC)
    if first.utcoffset() == second.utcoffset():
        return instant, None
    if instant.astimezone(tz).replace(tzinfo=None) != naive:
        return instant, SHIFTED_FORWARD  # fold=0 uses the offset before the gap: lands after it
    return instant, AMBIGUOUS_FIRST


@functools.lru_cache(maxsize=8192)
def local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """`resolve_local`'s instant; cached, as working hours repeat the same few wall times every day for every
    clinician of a zone (the slot search asks for thousands)."""
    return resolve_local(datetime.combine(day, at), tz)[0]


class DateTexts(dict[int, str]):
    """A proleptic ordinal -> its date's isoformat() and "T", made once each (the slot search's ISO text)."""

    def __missing__(self, ordinal: int) -> str:
        self[ordinal] = text = date.fromordinal(ordinal).isoformat() + "T"
        return text


class TimeTexts(dict[int, str]):
    """Microseconds since midnight -> that time of day's isoformat() (microseconds only if any), made once each."""

    def __missing__(self, us: int) -> str:
        self[us] = text = (datetime.min + timedelta(microseconds=us)).time().isoformat()
        return text
