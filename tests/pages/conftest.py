"""Page tests: a signed-in Django test client per member, and a real browser (Debian's chromium through
Playwright, never a browser download) with axe-core for accessibility. See docs/webapp.md."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from backend.web.access import LAST_SEEN_KEY, MFA_KEY, PRACTICE_KEY
from tests.access.matrix import all_rows as _api_rows

_api_rows()  # registers each app's object builders (world.target kinds) from tests/access/rows_<app>.py

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
LAPTOP = {"width": 1280, "height": 800}
TABLET = {"width": 768, "height": 1024}
PHONE = {"width": 390, "height": 844}
SERIOUS = ("serious", "critical")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "img"


def signed_in_client(membership, *, second_factor: bool = True) -> Client:
    """A Django test client signed in as `membership`'s person, acting in its practice (the session the
    sign-in page makes: practice chosen, second factor passed)."""
    client = Client()
    client.force_login(membership.user)
    session = client.session
    session[PRACTICE_KEY] = membership.practice_id
    if second_factor:
        session[MFA_KEY] = "totp"
    session[LAST_SEEN_KEY] = time.time()
    session.save()
    return client


@pytest.fixture
def page_client():
    return signed_in_client


@pytest.fixture
def browser(monkeypatch):
    """Chromium for one test. Function-scoped on purpose: Playwright's sync API keeps an event loop running in
    this thread while it is started, which would make every later test's ORM call (and another test's own
    sync_playwright()) fail; the environment flag that allows the ORM meanwhile is unset afterwards."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page_for(browser, live_server):
    """page_for(membership or None, viewport) -> a Playwright page at the live server, signed in through a
    session cookie (tests of the sign-in itself use the real page instead). Closed after the test."""
    contexts = []

    def make(membership=None, viewport=LAPTOP, *, second_factor: bool = True):
        context = browser.new_context(viewport=viewport, base_url=live_server.url)
        contexts.append(context)
        if membership is not None:
            client = signed_in_client(membership, second_factor=second_factor)
            cookie = client.cookies[settings.SESSION_COOKIE_NAME]
            context.add_cookies(
                [
                    {
                        "name": settings.SESSION_COOKIE_NAME,
                        "value": cookie.value,
                        "url": live_server.url,
                        "httpOnly": True,
                    }
                ]
            )
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def axe_check(page, *, context=None) -> None:
    """axe-core on the page as it is now: no serious or critical violation."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, context=context)
    bad = [v for v in results.response["violations"] if v.get("impact") in SERIOUS]
    report = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}" for v in bad
    )
    assert not bad, f"axe found serious/critical violations on {page.url}:\n{report}"


@pytest.fixture
def axe():
    return axe_check


def screenshot(page, name: str) -> None:
    """docs/img/<name>.png for the README, taken at laptop size only (one picture per page)."""
    if page.viewport_size == LAPTOP:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def send_outbox_now() -> None:
    """Deliver every due outbox row now, as the dispatcher and the send task would (account emails, since
    privacy-a, leave through the outbox rather than at once)."""
    from django.utils import timezone

    from reminders.models import OutboundMessage
    from reminders.services.dispatch import reminders_dispatch
    from reminders.services.send import reminder_send

    for pk in reminders_dispatch(now=timezone.now(), enqueue=False):
        reminder_send(message_id=pk)
    assert not OutboundMessage.objects.filter(status="pending", due_at__lte=timezone.now()).exists()
