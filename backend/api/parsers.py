"""The API's one request-body parser: JSON that PostgreSQL and the renderer can always hold.

JSON itself allows what no field of this API can use and what breaks the layers behind it:

- nesting thousands deep (Python's parser and every recursive walk after it raise RecursionError);
- a lone UTF-16 surrogate (`"\\ud800"`): a valid JSON escape, but not a character, so it cannot be
  encoded as UTF-8 for the database or for the error that quotes it;
- a NUL character: PostgreSQL stores it in neither text nor jsonb.

Each is refused here, once for every endpoint (anonymous log-in included), with a 400 naming where it is
(`body` for the nesting, the dotted path of the string otherwise), before any serializer sees the data.
"""

from __future__ import annotations

import re

from rest_framework import exceptions, parsers

MAX_DEPTH = 64  # objects and arrays inside each other; the deepest real input (intake definitions) uses < 10
_INVALID_TEXT = re.compile("[\x00\ud800-\udfff]")


class BodyTooDeep(exceptions.ValidationError):
    pass


def _path(parts: tuple) -> str:
    return ".".join(str(p) for p in parts) or "body"


def _text_problem(text: str) -> str | None:
    match = _INVALID_TEXT.search(text)
    if match is None:
        return None
    if match.group() == "\x00":
        return "Text may not contain NUL characters."
    return "Not valid Unicode text: a lone surrogate (an unpaired \\ud800-\\udfff escape)."


def check_data(data) -> None:
    """Walk parsed JSON without recursion: refuse depth beyond MAX_DEPTH and strings no field can hold."""
    stack: list[tuple[object, tuple, int]] = [(data, (), 0)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, str):
            problem = _text_problem(value)
            if problem:
                raise exceptions.ValidationError({_path(path): [problem]})
        elif isinstance(value, dict | list):
            if depth >= MAX_DEPTH:
                raise BodyTooDeep({"body": [f"Nested more than {MAX_DEPTH} levels deep."]})
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str) and (problem := _text_problem(key)):
                    # the key itself is the bad text: name its parent, and never quote the key
                    raise exceptions.ValidationError({_path(path): [f"A key: {problem}"]})
                stack.append((item, (*path, key), depth + 1))


class SafeJSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing what `check_data` refuses (and a RecursionError from the C parser)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise BodyTooDeep({"body": [f"Nested more than {MAX_DEPTH} levels deep."]}) from exc
        check_data(data)
        return data
