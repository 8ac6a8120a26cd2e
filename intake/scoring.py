"""Scoring a submitted measure from its definition's `scoring` block (intake/definitions.py has the format):
total, subscales, band and the flag rules it triggers. Pure functions over dicts, like the definitions'."""

from __future__ import annotations

import operator

from intake.definitions import is_number

_OPS = {"gt": operator.gt, "gte": operator.ge, "lt": operator.lt, "lte": operator.le, "eq": operator.eq}


def score(content: dict, answers: dict) -> dict | None:
    """Total, subscales, band and triggered flag rules of a scored definition; None for a plain form.

    Items left unanswered count as missing: the total is only computed when every item is answered
    (a partial PHQ-9 total would under-report severity).
    """
    scoring = content.get("scoring")
    if not scoring:
        return None

    def value_of(item: str) -> float | None:
        v = answers.get(item)
        if isinstance(v, bool):
            return int(v)
        return v if is_number(v) else None

    values = {item: value_of(item) for item in scoring["items"]}
    missing = sorted(k for k, v in values.items() if v is None)
    total = None if missing else sum(values.values())
    subscales = {}
    for name, items in (scoring.get("subscales") or {}).items():
        parts = [values[i] for i in items]
        subscales[name] = None if any(p is None for p in parts) else sum(parts)
    band = None
    if total is not None:
        for b in scoring.get("bands") or []:
            if b["min"] <= total <= b["max"]:
                band = b["label"]
                break
    flags = []
    for rule in scoring.get("flags") or []:
        src = rule["source"]
        if src == "total":
            observed = total
        elif src.startswith("subscale:"):
            observed = subscales.get(src.split(":", 1)[1])
        else:
            observed = values.get(src)
        if observed is not None and _OPS[rule["op"]](observed, rule["value"]):
            flags.append({"code": rule["code"], "label": rule["label"], "source": src})
    return {
        "total": _plain(total),
        "subscales": {k: _plain(v) for k, v in subscales.items()},
        "band": band,
        "missing": missing,
        "flags": flags,
    }


def _plain(value):
    return int(value) if isinstance(value, float) and value.is_integer() else value
