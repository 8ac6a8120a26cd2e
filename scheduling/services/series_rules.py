"""What a series' RRULE may say, checked by expanding it, within bounds, before anything is booked.

dateutil parses rules it cannot expand: `INTERVAL=-1` and `BYDAY=+99MO` fail on the first expansion,
`INTERVAL=0` repeats one date forever, and a rule no date satisfies (`BYMONTH=2;BYMONTHDAY=30`) makes
dateutil walk every period up to the year 9999 (20 s of CPU for FREQ=DAILY). So a rule is accepted
only when:

- it uses FREQ, INTERVAL (1..MAX_INTERVAL), WKST and the BY-parts its frequency allows
  (DAILY and WEEKLY: BYDAY without ordinals, BYMONTH; MONTHLY: BYDAY with ordinals -5..5, BYMONTHDAY,
  BYMONTH, BYSETPOS; YEARLY: those and BYWEEKNO, BYYEARDAY), each value in its RFC 5545 range;
- expanded from its start, it gives a first occurrence within FIRST_WITHIN_DAYS days.

The test expansion runs on the same calendar 400 years later (the Gregorian calendar repeats every 400
years, weekdays included) close to datetime's last year, so even a rule no date ever satisfies stops
after at most 400 years of (MONTHLY or YEARLY) periods, well under a second.

Bounds on the work a series makes: at most one occurrence a day (no BYHOUR/BYMINUTE), from a start at
most MAX_PAST_DAYS in the past, up to the horizon (`series_horizon_days`, at most 366:
practice/settings_schema.py), and at most MAX_OCCURRENCES_PER_RUN occurrences in one request or one
extension run, whatever the rule.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from dateutil.rrule import rrulestr

from core.errors import DomainError

FREQUENCIES = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
FORBIDDEN_PARTS = {"DTSTART", "COUNT", "UNTIL", "BYHOUR", "BYMINUTE", "BYSECOND"}
MAX_INTERVAL = 52
FIRST_WITHIN_DAYS = 366
MAX_PAST_DAYS = 31
MAX_OCCURRENCES_PER_RUN = 400

_WEEKDAYS = "MO|TU|WE|TH|FR|SA|SU"
_BYDAY = re.compile(rf"^([+-]?\d{{1,2}})?({_WEEKDAYS})$")
_INT = re.compile(r"^[+-]?\d{1,3}$")
_RANGES = {  # part: (lowest, highest); 0 is never allowed
    "BYMONTH": (1, 12),
    "BYMONTHDAY": (-31, 31),
    "BYSETPOS": (-366, 366),
    "BYWEEKNO": (-53, 53),
    "BYYEARDAY": (-366, 366),
}
_ALLOWED = {
    "DAILY": {"BYDAY", "BYMONTH"},
    "WEEKLY": {"BYDAY", "BYMONTH"},
    "MONTHLY": {"BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS"},
    "YEARLY": {"BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS", "BYWEEKNO", "BYYEARDAY"},
}
_ORDINAL_LIMIT = {"MONTHLY": 5, "YEARLY": 53}
_GREGORIAN_CYCLE_YEARS = 400


def _refuse(problem: str):
    raise DomainError("The recurrence rule is not valid.", fields={"rrule": [problem]})


def _parts(text: str) -> dict[str, str]:
    try:
        parts = dict(part.split("=", 1) for part in text.split(";") if part)
    except ValueError:
        parts = {}
    if not parts:
        _refuse("Not an RRULE: expected NAME=VALUE pairs separated by ';', for example FREQ=WEEKLY;INTERVAL=2.")
    return parts


def _check_parts(parts: dict[str, str]) -> None:
    freq = parts.get("FREQ")
    if freq not in FREQUENCIES:
        _refuse(f"FREQ must be one of {', '.join(sorted(FREQUENCIES))}.")
    if FORBIDDEN_PARTS & parts.keys():
        _refuse(
            f"Leave out {', '.join(sorted(FORBIDDEN_PARTS & parts.keys()))}: the start, end (count / "
            "until_date) and time of day are separate fields."
        )
    unknown = parts.keys() - {"FREQ", "INTERVAL", "WKST"} - _ALLOWED[freq]
    if unknown:
        _refuse(f"FREQ={freq} takes only INTERVAL, WKST and {', '.join(sorted(_ALLOWED[freq]))}.")
    interval = parts.get("INTERVAL", "1")
    if not interval.isascii() or not interval.isdigit() or not 1 <= int(interval) <= MAX_INTERVAL:
        _refuse(f"INTERVAL must be a whole number from 1 to {MAX_INTERVAL}.")
    if "WKST" in parts and not re.fullmatch(_WEEKDAYS, parts["WKST"]):
        _refuse("WKST must be a weekday: MO, TU, WE, TH, FR, SA or SU.")
    for item in parts.get("BYDAY", "").split(",") if "BYDAY" in parts else []:
        match = _BYDAY.match(item)
        if not match:
            _refuse(f"BYDAY: '{item}' is not a weekday (MO..SU), with an ordinal for MONTHLY/YEARLY (2TU, -1FR).")
        if match.group(1) is not None:
            limit = _ORDINAL_LIMIT.get(freq)
            if limit is None:
                _refuse(f"BYDAY: an ordinal ('{item}') needs FREQ=MONTHLY or FREQ=YEARLY.")
            if not 1 <= abs(int(match.group(1))) <= limit:
                _refuse(f"BYDAY: the ordinal of '{item}' must be from 1 to {limit} (or -1 to -{limit}).")
    for part, (low, high) in _RANGES.items():
        for item in parts[part].split(",") if part in parts else []:
            if not _INT.match(item) or int(item) == 0 or not low <= int(item) <= high:
                _refuse(f"{part}: '{item}' must be a whole number from {low} to {high}, not 0.")


def _first_occurrence_days(text: str, start: date) -> int | None:
    """Days from `start` to the rule's first occurrence, if one falls within FIRST_WITHIN_DAYS."""
    lowest = 9999 - _GREGORIAN_CYCLE_YEARS - 1  # 9598..9997: the start, and a year after it, fit before 9999
    shifted_year = lowest + (start.year - lowest) % _GREGORIAN_CYCLE_YEARS
    try:
        shifted = start.replace(year=shifted_year)  # same weekday, same leap year: 400 years apart
        rule = rrulestr(f"RRULE:{text}", dtstart=datetime.combine(shifted, time(12, 0)))
        first = rule.after(datetime.combine(shifted, time.min), inc=True)
    except (ValueError, TypeError, IndexError, OverflowError) as exc:
        _refuse(f"Not a valid RRULE: {exc}.")
    if first is None:
        return None
    days = (first.date() - shifted).days
    return days if days <= FIRST_WITHIN_DAYS else None


def rrule_validate(rule: str, *, start_date: date | None = None) -> str:
    """A normalised RRULE value, or a 400 on `rrule` naming what is wrong. Ends and times live in their own
    fields. The rule is expanded from `start_date` (a fixed Monday when not given) to prove it yields."""
    text = (rule or "").strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    text = text.upper()
    if not text.isascii():
        _refuse("Not an RRULE: only ASCII letters, digits, '=', ';', ',', '+' and '-'.")
    parts = _parts(text)
    _check_parts(parts)
    if _first_occurrence_days(text, start_date or date(2000, 1, 3)) is None:
        _refuse(f"The rule gives no occurrence within {FIRST_WITHIN_DAYS} days of the start date.")
    return text


def start_date_validate(start_date: date, *, today: date) -> None:
    """A series starts at most MAX_PAST_DAYS before today: FREQ=DAILY from 2000-01-01 would book every
    day since then in one request."""
    if start_date < today - timedelta(days=MAX_PAST_DAYS):
        raise DomainError(
            "The series starts too far in the past.",
            fields={"start_date": [f"At most {MAX_PAST_DAYS} days before today ({today.isoformat()})."]},
        )
