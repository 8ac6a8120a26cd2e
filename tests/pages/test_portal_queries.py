"""The portal's pages in a pinned number of queries that does not grow with the client's sessions or forms."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories.intake import packet_for
from tests.factories.reminders import appointment_row
from tests.pages.conftest import signed_in_client
from tests.pages.portal_helpers import Portal
from tests.pages.test_page_queries import SHELL_QUERIES

PAGES = {
    # url: queries beyond the shell's
    "/portal/": 6,  # the client record + three lists (upcoming, requests, past), each with its clients prefetched
    "/portal/forms/": 4,  # the client record + packets to complete + check-ins waiting + submitted answers
    "/portal/details/": 1,  # the client record
}


@pytest.fixture
def portal(db):
    return Portal()


def _grow(portal, n: int, *, start: int = 0):
    now = timezone.now()
    for i in range(start, start + n):
        appointment_row(clinician=portal.clinician, clients=[portal.client], starts_at=now + timedelta(days=2 + i))
        appointment_row(clinician=portal.clinician, clients=[portal.client], starts_at=now - timedelta(days=2 + i))
        packet_for(portal.client, "phq-9")


@pytest.mark.parametrize("url", list(PAGES))
def test_portal_page_queries_are_pinned_and_flat(portal, url, django_assert_num_queries):
    client = signed_in_client(portal.member)
    _grow(portal, 1)
    with django_assert_num_queries(SHELL_QUERIES + PAGES[url]):
        assert client.get(url).status_code == 200
    _grow(portal, 4, start=1)
    with django_assert_num_queries(SHELL_QUERIES + PAGES[url]):
        assert client.get(url).status_code == 200
