"""Shared by the portal's page tests: a practice with a client who has a portal login, keyboard checks, and
delivering an outbox row the way the dispatcher and the send task do."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from django.core import mail
from django.utils import timezone

from practice import roles
from reminders.models import OutboundMessage
from reminders.services.dispatch import reminders_dispatch
from reminders.services.send import reminder_send
from tests.factories.intake import seeded
from tests.factories.practice import (
    CareTeamMemberFactory,
    ClientFactory,
    ClinicianFactory,
    MembershipFactory,
    PracticeFactory,
)
from tests.factories.scheduling import AppointmentTypeFactory, working_every_day

IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
FOCUSABLE = "a[href], button, input:not([type=hidden]), select, textarea"


class Portal:
    def __init__(self):
        self.practice = PracticeFactory(
            name="Riverside Relational Therapy",
            time_zone="America/New_York",
            cancellation_window_hours=24,
            settings={"mfa_required": True, "session_checkins_enabled": True},
        )
        seeded(self.practice)
        self.desk = MembershipFactory(practice=self.practice, roles=[roles.FRONT_DESK])
        self.clinician = ClinicianFactory(
            membership__practice=self.practice, membership__roles=[roles.CLINICIAN], time_zone="America/New_York"
        )
        working_every_day(self.clinician)
        self.member = MembershipFactory(practice=self.practice, roles=[roles.CLIENT], user__email="ada@example.test")
        self.client = ClientFactory(
            practice=self.practice,
            portal_membership=self.member,
            first_name="Ada",
            email="ada@example.test",
            time_zone="Europe/Berlin",
            email_consent=True,
        )
        CareTeamMemberFactory(practice=self.practice, client=self.client, clinician=self.clinician)
        self.kind = AppointmentTypeFactory(
            practice=self.practice, name="Online session", client_bookable=True, min_notice_hours=24
        )


def deliver(kind: str) -> mail.EmailMessage:
    """Send the newest pending outbox row of `kind` now (dispatcher claim + send task) and return its email."""
    row = OutboundMessage.objects.filter(kind=kind, status="pending").latest("pk")
    reminders_dispatch(now=timezone.now() + timedelta(seconds=1), enqueue=False)
    reminder_send(message_id=row.pk)
    row.refresh_from_db()
    assert row.status == "sent", (row.status, row.skip_reason, row.last_error)
    return mail.outbox[-1]


def link_in(email, live_url: str) -> str:
    """The first link of the email, at the live server (the path and query it carries)."""
    parts = urlsplit(re.search(r"https?://\S+", email.body).group(0))
    return f"{live_url}{parts.path}" + (f"?{parts.query}" if parts.query else "")


def keyboard_check(page) -> None:
    """Every visible control on the page is reached by Tab (a group of radios counts once: arrow keys move in
    it), in the page's order, with a visible focus; nothing traps the focus."""
    page.evaluate(
        """sel => document.querySelectorAll(sel).forEach((el, i) => el.setAttribute('data-kb', String(i)))""",
        FOCUSABLE,
    )
    wanted = set(
        page.evaluate(
            """sel => Array.from(document.querySelectorAll(sel))
                 .filter(el => el.offsetParent !== null && !el.disabled)
                 .map(el => el.type === 'radio' ? 'radio:' + el.name : el.getAttribute('data-kb'))""",
            FOCUSABLE,
        )
    )
    page.locator("body").focus()
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    seen = set()
    for _ in range(len(wanted) * 2 + 10):
        page.keyboard.press("Tab")
        key = page.evaluate(
            """() => { const el = document.activeElement; if (!el || el === document.body) return null;
                 return el.type === 'radio' ? 'radio:' + el.name : el.getAttribute('data-kb'); }"""
        )
        if key is not None:
            seen.add(key)
        if wanted <= seen:
            break
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    missing = wanted - seen
    assert not missing, f"not reachable by keyboard on {page.url}: {sorted(missing)}"


def shot(page, name: str) -> None:
    IMG.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(IMG / f"{name}.png"), full_page=True)


def wait_saved(page):
    return page.expect_response(lambda r: "/responses/" in r.url and r.request.method == "PATCH" and r.ok)
