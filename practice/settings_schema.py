"""The practice settings (`Practice.settings`): every key, its type, range and default, in one place.

`PATCH /practice/ {"settings": {...}}` is checked here (a 400 naming `settings.<key>`) and *merged* into the
stored settings: keys left out keep their value, a key sent as `null` goes back to its default. Code reads
a setting only through `practice_setting(practice, key)`, which answers the stored value when it is valid and
the default otherwise (a row written before this schema, or by hand, never breaks a request).

To add a setting: add a `Setting` to SETTINGS (and a row to the table in docs/api.md, which a test checks),
then read it with `practice_setting`.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Setting:
    kind: type  # bool, int or float (float: any JSON number)
    default: Any
    description: str
    minimum: float | None = None
    maximum: float | None = None

    def problem(self, value) -> str | None:
        """Why `value` is not valid for this setting, or None."""
        if self.kind is bool:
            return None if isinstance(value, bool) else "Must be true or false."
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "Must be a whole number." if self.kind is int else "Must be a number."
        if self.kind is int and not isinstance(value, int):
            return "Must be a whole number."
        if isinstance(value, float) and not math.isfinite(value):
            return "Must be a finite number."
        if not self.minimum <= value <= self.maximum:
            return f"Must be from {self.minimum:g} to {self.maximum:g}."
        return None

    def openapi(self) -> dict:
        schema: dict[str, Any] = {"description": self.description}
        if self.kind is bool:
            schema["type"] = "boolean"
        else:
            schema.update(type="integer" if self.kind is int else "number", minimum=self.minimum, maximum=self.maximum)
        schema["nullable"] = True  # null: back to the default
        return schema


# A default of None: not set, the global rule applies (TOKEN_MAX_HOURS, TOKEN_TTL_MINUTES).
SETTINGS: dict[str, Setting] = {
    "mfa_required": Setting(bool, True, "Staff need a second factor to log in."),
    "series_horizon_days": Setting(int, 182, "How far ahead a series books its occurrences (days).", 7, 730),
    "slot_step_minutes": Setting(int, 15, "Step between offered slot starts (minutes).", 5, 240),
    "client_cancel_cutoff_hours": Setting(
        int, 0, "A client may cancel online until this many hours before a session.", 0, 720
    ),
    "intake_nudge_hours": Setting(int, 48, "Nudge a client whose intake is still incomplete after (hours).", 1, 720),
    "note_overdue_hours": Setting(int, 72, "A note unsigned this long after its session is overdue (hours).", 1, 720),
    "token_max_hours": Setting(
        float, None, "A log-in in this practice ends this long after it began (hours).", 0.25, 12
    ),
    "token_idle_minutes": Setting(
        float, None, "A log-in in this practice ends after this long unused (minutes).", 1, 1440
    ),
}
# Settings grouped under one key (an object of its own). Merged key by key too.
GROUPS: dict[str, dict[str, Setting]] = {
    "intake": {
        "alliance_cutoff": Setting(int, 36, "An alliance check total below this raises a flag (0-40).", 0, 40),
    },
}


def _path(*keys: str) -> str:
    return ".".join(keys)


def settings_errors(value: dict) -> dict[str, list[str]]:
    """The problems of a settings change (an object), by key (`{}` when valid). `null` is valid for every key."""
    errors: dict[str, list[str]] = {}
    for key, item in value.items():
        if key in GROUPS:
            if item is None:
                continue
            if not isinstance(item, dict):
                errors[key] = ["Must be an object."]
                continue
            for sub, sub_item in item.items():
                setting = GROUPS[key].get(sub)
                if setting is None:
                    errors[_path(key, sub)] = [f"Not a setting. Known: {', '.join(sorted(GROUPS[key]))}."]
                elif sub_item is not None and (problem := setting.problem(sub_item)):
                    errors[_path(key, sub)] = [problem]
            continue
        setting = SETTINGS.get(key)
        if setting is None:
            errors[key] = [f"Not a setting. Known: {', '.join(sorted([*SETTINGS, *GROUPS]))}."]
        elif item is not None and (problem := setting.problem(item)):
            errors[key] = [problem]
    return errors


def settings_merge(current: dict | None, change: dict) -> dict:
    """`current` with `change` applied key by key (groups too); a `null` removes the key (its default applies)."""
    merged = dict(current) if isinstance(current, dict) else {}
    for key, item in change.items():
        if key in GROUPS and isinstance(item, dict):
            group = dict(merged.get(key) or {}) if isinstance(merged.get(key), dict) else {}
            for sub, sub_item in item.items():
                if sub_item is None:
                    group.pop(sub, None)
                else:
                    group[sub] = sub_item
            merged[key] = group
        elif item is None:
            merged.pop(key, None)
        else:
            merged[key] = item
    return merged


def settings_value(stored, key: str, *, group: str | None = None, practice_id=None):
    """The value of setting `key` (in `group`, for a grouped one) in a stored settings object: the stored value
    when it is valid, else the default (a row written before this schema, or by hand, never breaks a request)."""
    setting = GROUPS[group][key] if group else SETTINGS[key]
    values = stored if isinstance(stored, dict) else {}
    if group:
        values = values.get(group) if isinstance(values.get(group), dict) else {}
    if key not in values:
        return setting.default
    value = values[key]
    if value is None or setting.problem(value):
        where = _path(group, key) if group else key
        logger.warning("practice %s: stored setting %s is not valid; its default applies", practice_id, where)
        return setting.default
    return value


def practice_setting(practice, key: str):
    """The value of a top-level setting of `practice` (its default when unset or not valid)."""
    return settings_value(practice.settings, key, practice_id=practice.pk)


def practice_group_setting(practice, group: str, key: str):
    """The value of a grouped setting (`intake.alliance_cutoff`)."""
    return settings_value(practice.settings, key, group=group, practice_id=practice.pk)


def settings_stored_valid(stored) -> dict:
    """What the API shows of the stored settings: the valid values of known keys."""
    values = stored if isinstance(stored, dict) else {}
    shown: dict[str, Any] = {}
    for key, setting in SETTINGS.items():
        if key in values and values[key] is not None and not setting.problem(values[key]):
            shown[key] = values[key]
    for group, members in GROUPS.items():
        group_values = values.get(group) if isinstance(values.get(group), dict) else None
        if group_values is not None:
            shown[group] = {
                k: v for k, v in group_values.items() if k in members and v is not None and not members[k].problem(v)
            }
    return shown


def settings_openapi() -> dict:
    """The JSON Schema of `settings` for the OpenAPI document."""
    properties = {key: setting.openapi() for key, setting in SETTINGS.items()}
    for group, members in GROUPS.items():
        properties[group] = {
            "type": "object",
            "nullable": True,
            "properties": {key: setting.openapi() for key, setting in members.items()},
        }
    return {"type": "object", "properties": properties, "description": "Keys and ranges: docs/api.md."}
