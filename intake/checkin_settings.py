"""The practice settings session check-ins and the safety message read, with their defaults, in one place.

They live in `Practice.settings` (JSON). Until the practice settings schema (practice/settings_schema.py) exists,
this module is the one reader; when it does, these keys go there with the same names, types and defaults:

| key | type | default | meaning |
|---|---|---|---|
| `session_checkins_enabled` | bool | true (new practices; practices that existed before were set to false) | send a check-in after each completed session |
| `session_checkin_expiry_days` | int 1..14 | 7 | days a check-in link stays open (capped by INTAKE_LINK_MAX_AGE) |
| `crisis_text` | str, max 1000 | "" (the default text below) | what a client sees on submitting an answer that raises a risk flag |
| `country` | ISO 3166 alpha-2 | "US" | picks the emergency number of the default crisis text |
"""  # noqa: E501

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from intake.invitations import link_max_age

DEFAULT_EXPIRY_DAYS = 7
MAX_EXPIRY_DAYS = 14
CRISIS_TEXT_MAX = 1000

# The number to call in an emergency, by country (the practice's `country` setting). Unknown countries get a
# sentence without a number rather than a wrong one.
EMERGENCY_NUMBERS = {
    "US": "911",
    "CA": "911",
    "MX": "911",
    "GB": "999",
    "IE": "112",
    "AU": "000",
    "NZ": "111",
    "IN": "112",
    "ZA": "10111",
}
EU_112 = {
    "AT", "BE", "BG", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IS", "IT", "LT", "LU",
    "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK",
}  # fmt: skip


@dataclass(frozen=True)
class CheckinSettings:
    enabled: bool
    expiry: timedelta


def _settings(practice) -> dict:
    return practice.settings if isinstance(practice.settings, dict) else {}


def checkin_settings(practice) -> CheckinSettings:
    values = _settings(practice)
    enabled = values.get("session_checkins_enabled", True)
    try:
        days = int(values.get("session_checkin_expiry_days", DEFAULT_EXPIRY_DAYS))
    except (TypeError, ValueError):
        days = DEFAULT_EXPIRY_DAYS
    days = min(max(days, 1), MAX_EXPIRY_DAYS)
    # The link itself (a signed packet token) stops working after INTAKE_LINK_MAX_AGE: never promise longer.
    expiry = min(timedelta(days=days), timedelta(seconds=link_max_age()))
    return CheckinSettings(enabled=enabled is True, expiry=expiry)


def practice_country(practice) -> str:
    country = _settings(practice).get("country") or "US"
    return str(country).upper()[:2]


def default_crisis_text(country: str) -> str:
    number = EMERGENCY_NUMBERS.get(country) or ("112" if country in EU_112 else "")
    call = (
        f"If you are in danger or might act on thoughts of harming yourself, call {number} now"
        if number
        else "If you are in danger or might act on thoughts of harming yourself, call your local emergency number now"
    )
    text = call + " or go to the nearest emergency department."
    if country == "US":
        text += " You can also call or text 988, the Suicide & Crisis Lifeline, at any time, day or night."
    return text


def crisis_text(practice) -> str:
    """The practice's own crisis text, or the default for its country."""
    own = _settings(practice).get("crisis_text")
    if isinstance(own, str) and own.strip():
        return own.strip()[:CRISIS_TEXT_MAX]
    return default_crisis_text(practice_country(practice))
