"""Every page URL x actor x scope answers its row's status, without the strings its role may not read;
and every page URL has rows (a new page cannot ship unchecked)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.pages.conftest import signed_in_client
from tests.pages.matrix import ACTORS, SCOPES, all_rows, page_url_names

ROWS = all_rows()


def test_every_page_url_has_rows():
    named = page_url_names()
    covered = {row.name for row in ROWS}
    assert named, "no page URLs found: is a *page_urls module included by backend/urls.py?"
    missing = sorted(named - covered)
    assert not missing, f"page URLs without rows in tests/pages/rows_*.py: {missing}"
    unknown = sorted(covered - named)
    assert not unknown, f"rows for URLs that do not exist: {unknown}"


def _cases():
    for row in ROWS:
        for actor in ACTORS:
            scopes = SCOPES if row.target else (None,)
            for scope in scopes:
                yield pytest.param(row, actor, scope, id=f"{row.label}-{actor}" + (f"-{scope}" if scope else ""))


@pytest.mark.parametrize("row, actor, scope", list(_cases()))
def test_page_matrix(world, row, actor, scope):
    kwargs = {}
    if row.target:
        kwargs[row.kwarg] = world.target(row.target, scope).pk
    url = reverse(row.name, kwargs=kwargs)
    client = Client() if actor == "anon" else signed_in_client(world.p.members[actor])
    data = row.data(world, scope) if callable(row.data) else (row.data or {})
    response = getattr(client, row.method)(url, data)
    expected = row.expect[actor]
    if isinstance(expected, dict):
        expected = expected[scope]
    allowed = expected if isinstance(expected, tuple) else (expected,)
    assert response.status_code in allowed, f"{row.label} as {actor} ({scope}): {response.status_code}"
    if actor == "anon" and response.status_code == 302 and row.method == "get":
        assert response["Location"].startswith(reverse("web:sign-in")), response["Location"]
    absent = row.absent.get(actor, ())
    if callable(absent):
        absent = absent(world, scope)
    body = response.content.decode(errors="replace")
    for text in absent:
        assert str(text) not in body, f"{row.label} as {actor} ({scope}) shows {text!r}"
