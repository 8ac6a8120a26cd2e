"""Ids and whole numbers read by hand from a query string or a form take ASCII digits only: `str.isdigit()` also
takes '²' and other digits that `int()` refuses, which answered 500 (core.lookups.id_or_none)."""

from __future__ import annotations

import pytest

from core.lookups import BIGINT_MAX, id_or_none
from tests.pages.conftest import signed_in_client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("42", 42),
        (" 7 ", 7),
        ("²", None),
        ("١٢", None),
        ("-1", None),
        ("0", None),
        ("", None),
        (None, None),
        (str(BIGINT_MAX), BIGINT_MAX),
        (str(BIGINT_MAX + 1), None),
        ("1e3", None),
        ("12\x00", None),
    ],
)
def test_id_or_none_takes_ascii_digits_within_bigint(raw, expected):
    assert id_or_none(raw) == expected


@pytest.mark.parametrize("before", ["²", "١٢", str(BIGINT_MAX + 1), "-3"])
def test_the_timeline_page_answers_a_bad_before_with_400(world, before):
    page = signed_in_client(world.p.members["clinician"]).get(
        f"/clinical/clients/{world.p.client_a.pk}/timeline/", {"before": before}
    )
    assert page.status_code == 400


@pytest.mark.parametrize("client", ["²", str(BIGINT_MAX + 1)])
def test_the_progress_note_list_ignores_a_client_filter_that_is_no_id(world, client):
    response = world.client_for("clinician").get("/api/v1/progress-notes/", {"client": client})
    assert response.status_code == 200


@pytest.mark.parametrize("opening", ["²", str(BIGINT_MAX + 1), "-3", "abc"])
def test_the_waitlist_answers_an_opening_that_is_no_id_like_a_missing_one(world, opening):
    response = world.client_for("front_desk").get("/api/v1/waitlist/", {"opening": opening})
    assert response.status_code == 404


@pytest.mark.parametrize(
    "tz", ["Not/AZone", "../../etc/passwd", "/usr/share/zoneinfo/UTC", "UTC\x00", "America/New_York "]
)
def test_an_unknown_tz_is_a_400_naming_tz(world, tz):
    response = world.client_for("front_desk").get("/api/v1/appointments/", {"tz": tz})
    assert response.status_code == 400
    assert "tz" in response.json()["error"]["fields"]


def test_a_known_tz_is_taken(world):
    response = world.client_for("front_desk").get("/api/v1/appointments/", {"tz": "Asia/Kolkata"})
    assert response.status_code == 200
