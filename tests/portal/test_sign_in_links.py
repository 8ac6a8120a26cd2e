"""One-time sign-in links to the portal: no account enumeration, sent through the outbox with the minimum,
spent only by a POST, once, before they expire, at most a few an hour; never for staff who need a second factor."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client as Browser
from django.utils import timezone

from backend.web.access import PRACTICE_KEY
from core.errors import DomainError
from practice import roles
from practice.models import SignInLink
from practice.services.signin_links import sign_in_link_request, sign_in_link_token, sign_in_link_use
from reminders.models import OutboundMessage
from tests.factories.practice import MembershipFactory
from tests.pages.portal_helpers import Portal, deliver

URL = "/portal/sign-in-link/"
USE = "/portal/sign-in-link/use/"


@pytest.fixture
def portal(db):
    return Portal()


def _rows():
    return OutboundMessage.objects.filter(kind=OutboundMessage.Kind.PORTAL_SIGN_IN)


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(portal):
    known = Browser().post(URL, {"email": "ada@example.test"})
    unknown = Browser().post(URL, {"email": "nobody@example.test"})
    assert known.status_code == unknown.status_code == 200
    strip = lambda r, email: r.content.decode().replace(email, "EMAIL").split("csrf")[0]  # noqa: E731
    assert strip(known, "ada@example.test") == strip(unknown, "nobody@example.test")
    assert _rows().count() == 1  # only the real account got a link


def test_the_email_carries_the_practice_and_the_link_only(portal, settings):
    settings.PUBLIC_BASE_URL = "https://portal.example"
    sign_in_link_request(email="ADA@example.test")
    email = deliver(OutboundMessage.Kind.PORTAL_SIGN_IN)
    assert email.to == ["ada@example.test"]
    assert "Riverside Relational Therapy" in email.subject
    assert "https://portal.example/portal/sign-in-link/use/?token=" in email.body
    for leak in (portal.clinician.membership.user.full_name, portal.client.last_name, portal.kind.name):
        assert leak not in email.body


def test_opening_the_link_signs_nobody_in_and_pressing_the_button_signs_in_once(portal):
    link = sign_in_link_request(email="ada@example.test")
    token = sign_in_link_token(link)
    browser = Browser()
    shown = browser.get(USE, {"token": token})  # what a mail scanner does
    assert shown.status_code == 200 and b"Sign me in" in shown.content
    link.refresh_from_db()
    assert link.used_at is None and "_auth_user_id" not in browser.session
    used = browser.post(USE, {"token": token})
    assert used.status_code == 302 and used["Location"] == "/portal/"
    assert browser.session[PRACTICE_KEY] == portal.practice.pk
    assert browser.get("/portal/").status_code == 200
    again = Browser().post(USE, {"token": token})
    assert again.status_code == 302 and again["Location"] == URL  # used: refused, ask for a new one
    assert Browser().get(USE, {"token": token}).status_code == 400


def test_an_expired_link_is_refused(portal):
    link = sign_in_link_request(email="ada@example.test")
    with pytest.raises(DomainError):
        sign_in_link_use(token=sign_in_link_token(link), now=link.expires_at + timedelta(seconds=1))


def test_a_forged_token_is_refused(portal):
    link = sign_in_link_request(email="ada@example.test")
    with pytest.raises(DomainError):
        sign_in_link_use(token=sign_in_link_token(link) + "x")


def test_at_most_three_links_an_hour(portal):
    now = timezone.now()
    sent = [sign_in_link_request(email="ada@example.test", now=now + timedelta(minutes=i)) for i in range(5)]
    assert [s is not None for s in sent] == [True, True, True, False, False]
    assert sign_in_link_request(email="ada@example.test", now=now + timedelta(minutes=61)) is not None
    assert _rows().count() == 4


def test_no_link_for_a_staff_member_whose_practice_requires_a_second_factor(portal):
    desk = portal.desk
    MembershipFactory(user=desk.user, roles=[roles.CLIENT])  # also a client somewhere: still no link
    assert sign_in_link_request(email=desk.user.email) is None
    assert not SignInLink.objects.exists() and not mail.outbox


def test_no_link_for_a_deactivated_portal_login(portal):
    portal.member.is_active = False
    portal.member.save()
    assert sign_in_link_request(email="ada@example.test") is None
