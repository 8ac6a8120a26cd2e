"""Form and measure definitions as data: the JSON Schema they obey, and the rules that read them.

A definition (stored on FormVersion.content) looks like this (docs/intake.md has the full reference):

    {"title": "PHQ-9", "instructions": "...",
     "sections": [{"id": "main", "title": "...", "questions": [
         {"id": "phq1", "type": "single_choice", "label": "...", "required": true,
          "choices": [{"value": 0, "label": "Not at all"}, ...]},
         {"id": "why", "type": "long_text", "label": "...", "show_if": {"question": "phq1", "in": [2, 3]}}]}],
     "scoring": {"method": "sum", "items": ["phq1", ...], "subscales": {"bond": ["a", "b"]},
                 "range": {"min": 0, "max": 27},
                 "bands": [{"min": 0, "max": 4, "label": "Minimal"}, ...],
                 "flags": [{"code": "phq9_item9", "source": "phq9", "op": "gt", "value": 0, "label": "..."}]}}

Nothing here touches the database: these are pure functions over dicts, easy to test. Scoring a
submission (total, subscales, band, flags) is intake/scoring.py.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import jsonschema

QUESTION_TYPES = (
    "short_text",
    "long_text",
    "single_choice",
    "multiple_choice",
    "scale",
    "date",
    "yes_no",
    "number",
    "consent",
)
SCORABLE_TYPES = ("single_choice", "scale", "number", "yes_no")
SHORT_TEXT_MAX = 500
LONG_TEXT_MAX = 10_000
SIGNATURE_MAX = 200

_ID = {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,39}$"}
_CHOICE_VALUE = {"type": ["string", "integer"]}
_CONDITION = {
    "type": "object",
    "required": ["question"],
    "additionalProperties": False,
    "properties": {
        "question": _ID,
        "equals": {"type": ["string", "integer", "number", "boolean"]},
        "in": {"type": "array", "minItems": 1, "items": {"type": ["string", "integer", "number", "boolean"]}},
        "includes": _CHOICE_VALUE,
    },
    "minProperties": 2,
    "maxProperties": 2,
}
_QUESTION = {
    "type": "object",
    "required": ["id", "type", "label"],
    "additionalProperties": False,
    "properties": {
        "id": _ID,
        "type": {"enum": list(QUESTION_TYPES)},
        "label": {"type": "string", "minLength": 1, "maxLength": 2000},
        "help": {"type": "string", "maxLength": 2000},
        "required": {"type": "boolean"},
        "show_if": _CONDITION,
        "choices": {
            "type": "array",
            "minItems": 1,
            "maxItems": 100,
            "items": {
                "type": "object",
                "required": ["value", "label"],
                "additionalProperties": False,
                "properties": {"value": _CHOICE_VALUE, "label": {"type": "string", "minLength": 1}},
            },
        },
        "min": {"type": "number"},
        "max": {"type": "number"},
        "anchors": {
            "type": "object",
            "patternProperties": {"^-?[0-9]+$": {"type": "string"}},
            "additionalProperties": False,
        },
        "max_length": {"type": "integer", "minimum": 1, "maximum": LONG_TEXT_MAX},
        "text": {"type": "string", "minLength": 1, "maxLength": 100_000},
    },
    "allOf": [
        {
            "if": {"properties": {"type": {"enum": ["single_choice", "multiple_choice"]}}},
            "then": {"required": ["choices"]},
        },
        {"if": {"properties": {"type": {"const": "scale"}}}, "then": {"required": ["min", "max"]}},
        {"if": {"properties": {"type": {"const": "consent"}}}, "then": {"required": ["text"]}},
    ],
}
_RULE = {
    "type": "object",
    "required": ["code", "source", "op", "value", "label"],
    "additionalProperties": False,
    "properties": {
        "code": _ID,
        # "total", "subscale:<name>" or a question id
        "source": {"type": "string", "pattern": "^(total|subscale:[a-z][a-z0-9_]*|[a-z][a-z0-9_]*)$"},
        "op": {"enum": ["gt", "gte", "lt", "lte", "eq"]},
        "value": {"type": "number"},
        "label": {"type": "string", "minLength": 1, "maxLength": 200},
    },
}
_BAND = {
    "type": "object",
    "required": ["min", "max", "label"],
    "additionalProperties": False,
    "properties": {"min": {"type": "number"}, "max": {"type": "number"}, "label": {"type": "string", "minLength": 1}},
}
DEFINITION_SCHEMA: dict = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://attune.example/schemas/intake-definition.json",
    "title": "Attune intake form or measure definition",
    "type": "object",
    "required": ["title", "sections"],
    "additionalProperties": False,
    "properties": {
        "title": {"type": "string", "minLength": 1, "maxLength": 200},
        "instructions": {"type": "string", "maxLength": 5000},
        "sections": {
            "type": "array",
            "minItems": 1,
            "maxItems": 50,
            "items": {
                "type": "object",
                "required": ["id", "questions"],
                "additionalProperties": False,
                "properties": {
                    "id": _ID,
                    "title": {"type": "string", "maxLength": 200},
                    "questions": {"type": "array", "minItems": 1, "maxItems": 200, "items": _QUESTION},
                },
            },
        },
        "scoring": {
            "type": "object",
            "required": ["method", "items"],
            "additionalProperties": False,
            "properties": {
                "method": {"enum": ["sum"]},
                "items": {"type": "array", "minItems": 1, "items": _ID},
                "subscales": {"type": "object", "additionalProperties": {"type": "array", "minItems": 1, "items": _ID}},
                "range": {
                    "type": "object",
                    "required": ["min", "max"],
                    "properties": {"min": {"type": "number"}, "max": {"type": "number"}},
                },
                "bands": {"type": "array", "items": _BAND},
                "flags": {"type": "array", "items": _RULE},
            },
        },
    },
}
_VALIDATOR = jsonschema.Draft202012Validator(DEFINITION_SCHEMA)


def questions(content: dict) -> list[dict]:
    """Every question of a definition, in the order they are asked."""
    return [q for section in content.get("sections", []) for q in section.get("questions", [])]


def validate_definition(content: Any, *, is_measure: bool = False) -> dict[str, list[str]]:
    """Errors by dotted path (empty when valid): the JSON Schema first, then the rules it cannot say."""
    errors: dict[str, list[str]] = {}
    for err in _VALIDATOR.iter_errors(content):
        path = ".".join(str(p) for p in err.absolute_path) or "definition"
        errors.setdefault(f"definition.{path}" if path != "definition" else path, []).append(err.message)
    if errors:
        return errors

    seen: dict[str, dict] = {}
    section_ids: set[str] = set()
    for s_index, section in enumerate(content["sections"]):
        if section["id"] in section_ids:
            errors.setdefault(f"definition.sections.{s_index}.id", []).append("Section ids must be unique.")
        section_ids.add(section["id"])
        for q_index, q in enumerate(section["questions"]):
            where = f"definition.sections.{s_index}.questions.{q_index}"
            if q["id"] in seen:
                errors.setdefault(f"{where}.id", []).append(f"Question id '{q['id']}' is used twice.")
            cond = q.get("show_if")
            if cond and cond["question"] not in seen:
                errors.setdefault(f"{where}.show_if", []).append(
                    "show_if must refer to a question asked earlier in the form."
                )
            if q["type"] == "scale" and q["min"] >= q["max"]:
                errors.setdefault(f"{where}.max", []).append("A scale's max must be above its min.")
            if q["type"] in ("single_choice", "multiple_choice"):
                values = [c["value"] for c in q["choices"]]
                if len(values) != len(set(values)):
                    errors.setdefault(f"{where}.choices", []).append("Choice values must be unique.")
            seen[q["id"]] = q

    scoring = content.get("scoring")
    if is_measure and not scoring:
        errors.setdefault("definition.scoring", []).append("A measure needs a scoring rule.")
    if scoring:
        for i, item in enumerate(scoring["items"]):
            q = seen.get(item)
            if q is None or q["type"] not in SCORABLE_TYPES:
                errors.setdefault(f"definition.scoring.items.{i}", []).append(
                    f"'{item}' is not a numeric question of this form."
                )
            elif q["type"] == "single_choice" and not all(isinstance(c["value"], int) for c in q["choices"]):
                errors.setdefault(f"definition.scoring.items.{i}", []).append(
                    f"'{item}' must have integer choice values to be scored."
                )
        for name, items in (scoring.get("subscales") or {}).items():
            unknown = [i for i in items if i not in scoring["items"]]
            if unknown:
                errors.setdefault(f"definition.scoring.subscales.{name}", []).append(
                    f"Not scored items: {', '.join(unknown)}."
                )
        for i, rule in enumerate(scoring.get("flags") or []):
            src = rule["source"]
            if src.startswith("subscale:"):
                ok = src.split(":", 1)[1] in (scoring.get("subscales") or {})
            else:
                ok = src == "total" or src in scoring["items"]
            if not ok:
                errors.setdefault(f"definition.scoring.flags.{i}.source", []).append(f"Unknown source '{src}'.")
    return errors


# --- answers -----------------------------------------------------------------------------------------


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def check_answer(question: dict, value: Any) -> str | None:
    """Why `value` is not a valid answer to `question`, or None. Empty values are handled by the caller."""
    kind = question["type"]
    if kind in ("short_text", "long_text", "consent"):
        if not isinstance(value, str):
            return "Expected text."
        limit = (
            question.get("max_length")
            or {"short_text": SHORT_TEXT_MAX, "long_text": LONG_TEXT_MAX, "consent": SIGNATURE_MAX}[kind]
        )
        if len(value) > limit:
            return f"At most {limit} characters."
        return None
    if kind == "single_choice":
        values = [c["value"] for c in question["choices"]]
        return None if value in values and not isinstance(value, bool) else "Choose one of the options."
    if kind == "multiple_choice":
        values = [c["value"] for c in question["choices"]]
        if not isinstance(value, list) or any(v not in values or isinstance(v, bool) for v in value):
            return "Choose from the options."
        return None if len(value) == len(set(value)) else "An option is chosen twice."
    if kind == "scale":
        if not isinstance(value, int) or isinstance(value, bool):
            return "Choose a point on the scale."
        return (
            None
            if question["min"] <= value <= question["max"]
            else (f"Choose a value from {question['min']:g} to {question['max']:g}.")
        )
    if kind == "number":
        if not is_number(value):
            return "Enter a number."
        if "min" in question and value < question["min"]:
            return f"At least {question['min']:g}."
        if "max" in question and value > question["max"]:
            return f"At most {question['max']:g}."
        return None
    if kind == "yes_no":
        return None if isinstance(value, bool) else "Answer yes or no."
    if kind == "date":
        if not isinstance(value, str):
            return "Enter a date (YYYY-MM-DD)."
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return "Enter a date (YYYY-MM-DD)."
        return None
    return "Unknown question type."  # pragma: no cover - the schema forbids it


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or (isinstance(value, str) and not value.strip())


def is_shown(question: dict, answers: dict) -> bool:
    """Whether a conditional question is asked, given the answers so far."""
    cond = question.get("show_if")
    if not cond:
        return True
    given = answers.get(cond["question"])
    if "equals" in cond:
        return given == cond["equals"] and type(given) is type(cond["equals"])
    if "in" in cond:
        return any(given == v and type(given) is type(v) for v in cond["in"])
    return isinstance(given, list) and cond["includes"] in given


def check_draft(content: dict, answers: Any) -> dict[str, list[str]]:
    """Per-type checks of a partial set of answers (what a draft save accepts)."""
    if not isinstance(answers, dict):
        return {"answers": ["Expected an object of answers keyed by question id."]}
    by_id = {q["id"]: q for q in questions(content)}
    errors: dict[str, list[str]] = {}
    for qid, value in answers.items():
        q = by_id.get(qid)
        if q is None:
            errors[f"answers.{qid}"] = ["No such question in this form."]
            continue
        if is_empty(value):
            continue
        reason = check_answer(q, value)
        if reason:
            errors[f"answers.{qid}"] = [reason]
    return errors


def clean_draft(answers: dict) -> dict:
    """Empty answers are removed rather than stored."""
    return {k: v for k, v in answers.items() if not is_empty(v)}


def check_submission(content: dict, answers: dict) -> tuple[dict, dict[str, list[str]]]:
    """(answers of the questions actually shown, errors by question) for a final submission."""
    errors = check_draft(content, answers)
    kept: dict = {}
    for q in questions(content):
        if not is_shown(q, kept):
            continue  # an answer to a question no longer asked is dropped, not kept hidden
        value = answers.get(q["id"])
        if is_empty(value):
            if q.get("required"):
                message = "Type your full name to sign." if q["type"] == "consent" else "This question is required."
                errors.setdefault(f"answers.{q['id']}", []).append(message)
            continue
        if f"answers.{q['id']}" not in errors:
            kept[q["id"]] = value
    return kept, errors


def consent_text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
