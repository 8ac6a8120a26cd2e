"""`/api/v1/` answers an index, and the links in staff emails open a page of the app (issue 18)."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from rest_framework.test import APIClient

from intake.services.responses import response_save_draft, response_submit
from tests.factories.intake import packet_for, phq9_answers
from tests.reminders.outbox import outbox_deliver

pytestmark = pytest.mark.django_db
BASE = "http://attune.example:8131"  # what scripts/stack.py exports as PUBLIC_BASE_URL for `make run --port 8131`


def test_the_api_root_answers_an_index_of_its_sections_and_docs(world, settings):
    settings.PUBLIC_BASE_URL = BASE
    response = APIClient().get("/api/v1/")  # anonymous: it names paths, nothing of any practice
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["version"]) == ("Attune API", "v1")
    assert body["docs"] == f"{BASE}/api/docs/" and body["schema"] == f"{BASE}/api/schema/"
    sections = body["sections"]
    for name in ("appointments", "auth", "clients", "progress-notes", "reminders", "series", "slots"):
        assert sections[name].startswith(f"{BASE}/api/v1/{name}/"), (name, sections.get(name))
    admin = world.client_for("admin")
    for name, url in sections.items():  # every section it names exists (a role may still be refused)
        assert admin.get(urlsplit(url).path).status_code != 404, name


def test_the_risk_review_email_links_to_a_page_of_the_app_under_the_public_base_url(world, settings, client):
    settings.PUBLIC_BASE_URL = BASE
    response = packet_for(world.p.client_a, "phq-9").responses.get()
    response_save_draft(response=response, answers=phq9_answers([2] * 8 + [3]), via_link=True)
    response_submit(response=response, via_link=True)
    assert "sent" in outbox_deliver()
    links = [link for email in mail.outbox for link in re.findall(r"https?://\S+", email.body)]
    assert links and all(link.startswith(f"{BASE}/") for link in links)
    for link in links:
        path = urlsplit(link).path
        assert not path.startswith("/api/"), link  # a page for a person, not an API URL
        page = client.get(path)  # anonymous: the app's sign-in, or the page itself; never a 404
        assert page.status_code in (200, 302), (link, page.status_code)
