"""The client's page in a real headless browser (Debian's chromium, driven by Playwright) at phone size:
open the emailed link, answer half, leave, come back, finish, sign the consent, submit.

Needs /usr/bin/chromium (`apt-get install -y chromium`) and `pip install playwright`; never
`playwright install`. Saves docs/img/intake-page.png for the README.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from intake.invitations import packet_link_path
from intake.models import ConsentSignature, Packet, Score
from practice import roles
from tests.factories.intake import packet_for
from tests.factories.practice import CareTeamMemberFactory, ClientFactory, ClinicianFactory, MembershipFactory

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "img" / "intake-page.png"


@pytest.fixture
def packet(transactional_db):
    desk = MembershipFactory(roles=[roles.FRONT_DESK])
    practice = desk.practice
    practice.name = "Riverside Relational Therapy"
    practice.save()
    client = ClientFactory(practice=practice, first_name="Ada", last_name="Lovelace")
    CareTeamMemberFactory(practice=practice, client=client, clinician=ClinicianFactory(membership__practice=practice))
    return packet_for(client, "demographics-history", "consent-for-services", "phq-9", actor=desk)


def _saved(page):
    return page.expect_response(lambda r: "/responses/" in r.url and r.request.method == "PATCH" and r.ok)


def test_client_fills_saves_returns_signs_and_submits_on_a_phone(packet, live_server, monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    demo, consent, phq = (r.pk for r in packet.responses.order_by("position"))
    url = live_server.url + packet_link_path(packet)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
        page = context.new_page()
        page.goto(url)
        expect(page.get_by_role("heading", name="Your forms")).to_be_visible()

        # answer half of the first form
        with _saved(page):
            page.fill(f"#r{demo}-full_name", "Ada Lovelace")
        with _saved(page):
            page.fill(f"#r{demo}-date_of_birth", "1990-12-10")
        # conditional question appears only after "yes"
        follow_up = page.locator('.question[data-qid="prior_therapy_experience"]').first
        expect(follow_up).to_be_hidden()
        with _saved(page):
            page.check(f'input[name="r{demo}-prior_therapy"][value="true"]')
        expect(follow_up).to_be_visible()
        page.close()  # leave

        # come back with the same link: the answers are there
        page = context.new_page()
        page.goto(url)
        expect(page.locator(f"#r{demo}-full_name")).to_have_value("Ada Lovelace")
        expect(page.locator(f"#r{demo}-date_of_birth")).to_have_value("1990-12-10")
        expect(page.locator(f'input[name="r{demo}-prior_therapy"][value="true"]')).to_be_checked()
        expect(page.locator(f"#r{demo}-prior_therapy_experience")).to_be_visible()

        # submitting early shows the error beside the question
        demo_form = page.locator(f'form[data-response="{demo}"]')
        demo_form.get_by_role("button").click()
        expect(page.locator(f"#err-r{demo}-reason")).to_have_text("This question is required.")
        expect(demo_form.locator(".form-errors")).to_have_text("1 question needs attention.")
        expect(page.locator(f"#r{demo}-reason")).to_be_focused()

        with _saved(page):
            page.fill(f"#r{demo}-reason", "I keep ending up in the same argument with people I love.")
        demo_form.get_by_role("button").click()
        expect(demo_form.locator(".done")).to_have_text("Submitted. Thank you.")
        expect(page.locator(f"#r{demo}-reason")).to_be_disabled()

        # the consent: unsigned is refused, then signed
        consent_form = page.locator(f'form[data-response="{consent}"]')
        consent_form.get_by_role("button").click()
        expect(page.locator(f"#err-r{consent}-consent_services")).to_have_text("Type your full name to sign.")
        consent_form.scroll_into_view_if_needed()
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT))
        with _saved(page):
            page.fill(f"#r{consent}-consent_services", "Ada Lovelace")
        consent_form.get_by_role("button").click()
        expect(consent_form.locator(".done")).to_be_visible()

        # the PHQ-9, by tapping the options
        phq_form = page.locator(f'form[data-response="{phq}"]')
        for item, value in enumerate([1, 2, 1, 1, 0, 0, 1, 0, 1], start=1):
            with _saved(page):
                phq_form.locator(f'input[name="r{phq}-phq9_{item}"][value="{value}"]').check()
        phq_form.get_by_role("button").click()
        expect(phq_form.locator(".done")).to_be_visible()
        assert page.locator("#save-status").inner_text() == "Submitted."
        # item 9 above 0: at once, that the clinician will be told and where to get help now (988 for the US)
        safety = phq_form.get_by_role("alert").filter(has_text="Your clinician will be told")
        expect(safety).to_be_visible()
        expect(safety).to_contain_text("call or text 988")
        expect(page.locator(f"#safety-{phq}")).to_be_focused()
        # the other forms raised no flag: no message there
        expect(page.locator(f"#safety-{demo}")).to_have_count(0)
        browser.close()

    packet.refresh_from_db()
    assert packet.status == Packet.Status.COMPLETED
    signature = ConsentSignature.objects.get(response_id=consent)
    assert signature.signed_name == "Ada Lovelace" and signature.user_agent and signature.ip_address == "127.0.0.1"
    score = Score.objects.get(response_id=phq)
    assert (score.total, score.band) == (7, "Mild")
    assert score.response.risk_flags.get().code == "phq9_item9"
    assert os.path.getsize(SCREENSHOT) > 10_000
