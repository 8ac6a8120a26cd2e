"""Password reset and invitation acceptance as pages; starting a real practice (command and first-run page)."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client

from intake.models import FormDefinition
from notes.models import RuptureMarker
from practice import roles
from practice.models import AuditEvent, Invitation, Membership, Practice
from practice.services.practices import first_run_token
from tests.factories.practice import PASSWORD, MembershipFactory
from tests.pages.conftest import send_outbox_now

NEW_PASSWORD = "a-long-new-password-42"


def _link(path_start: str) -> str:
    send_outbox_now()
    body = mail.outbox[-1].body
    return re.search(rf"https?://[^/\s]+({re.escape(path_start)}\S+)", body).group(1)


@pytest.fixture
def desk(db):
    return MembershipFactory(roles=[roles.FRONT_DESK])


def test_forgot_password_answers_alike_and_the_link_sets_a_new_password(desk, django_capture_on_commit_callbacks):
    client = Client()
    unknown = client.post("/forgot-password/", {"email": "nobody@example.test"}, follow=True)
    assert not mail.outbox
    known = client.post("/forgot-password/", {"email": desk.user.email}, follow=True)
    assert unknown.content.decode().count("If an account exists") == known.content.decode().count("If an account")
    path = _link("/reset-password")
    weak = client.post(path, {"new_password": "password", "new_password_again": "password"})
    assert weak.status_code == 200 and "This password is too common." in weak.content.decode()
    mismatch = client.post(path, {"new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD + "x"})
    assert "The two passwords are not the same." in mismatch.content.decode()
    done = client.post(path, {"new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/sign-in/"
    desk.user.refresh_from_db()
    assert desk.user.check_password(NEW_PASSWORD)
    again = client.post(path, {"new_password": NEW_PASSWORD + "!", "new_password_again": NEW_PASSWORD + "!"})
    assert "This reset link is not valid or has expired." in again.content.decode()  # used once


def test_a_password_reset_ends_the_persons_browser_sessions(desk, django_capture_on_commit_callbacks):
    browser = Client()
    browser.post("/sign-in/", {"email": desk.user.email, "password": PASSWORD})
    assert browser.get("/").status_code == 200
    Client().post("/forgot-password/", {"email": desk.user.email})
    Client().post(_link("/reset-password"), {"new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD})
    assert browser.get("/").status_code == 302


def test_accepting_an_invitation_from_the_page(world, django_capture_on_commit_callbacks):
    admin = world.p.members["admin"]
    from tests.pages.conftest import signed_in_client

    with django_capture_on_commit_callbacks(execute=True):
        signed_in_client(admin).post(
            "/manage/invitations/", {"email": "Newbie@Example.test", "roles": ["front_desk"], "full_name": "New Bie"}
        )
    path = _link("/accept-invitation")
    client = Client()
    assert "Accept your invitation" in client.get(path).content.decode()
    bad = client.post(
        path.replace("token=", "token=x"), {"new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD}
    )
    assert "This invitation link is not valid." in bad.content.decode()
    done = client.post(path, {"new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD})
    assert done.status_code == 302
    member = Membership.objects.get(user__email="newbie@example.test", practice=world.p.practice)
    assert member.roles == [roles.FRONT_DESK] and member.user.full_name == "New Bie"


# --- starting a real practice --------------------------------------------------------------------------------


def _assert_started(practice: Practice, email: str):
    assert practice.settings.get("mfa_required", True) is True
    assert RuptureMarker.objects.filter(practice=practice).exists()  # taxonomy seeded
    assert FormDefinition.objects.filter(practice=practice, builtin=True).count() >= 3  # built-in forms seeded
    invitation = Invitation.objects.get(practice=practice)
    assert invitation.email == email and invitation.roles == [roles.ADMIN]
    send_outbox_now()
    assert mail.outbox[-1].to == [email] and "/accept-invitation?token=" in mail.outbox[-1].body
    assert AuditEvent.objects.filter(practice=practice, object_type="practice.practice", action="create").exists()


def test_manage_practice_create_starts_a_practice_and_invites_its_admin(db, capsys, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "practice_create", name="Riverside Therapy", time_zone="America/Chicago", admin_email="Owner@Example.test"
        )
    practice = Practice.objects.get(slug="riverside-therapy")
    assert practice.time_zone == "America/Chicago"
    _assert_started(practice, "owner@example.test")
    assert "/accept-invitation?token=" in capsys.readouterr().out
    with pytest.raises(CommandError, match="time_zone"):
        call_command("practice_create", name="Other", time_zone="Mars/Olympus", admin_email="a@example.test")
    with pytest.raises(CommandError, match="already exists"):
        call_command("practice_create", name="Riverside Therapy", time_zone="UTC", admin_email="b@example.test")


def test_the_first_run_page_is_open_while_no_practice_exists(db, django_capture_on_commit_callbacks):
    client = Client()
    assert "start one" in client.get("/sign-in/").content.decode()
    form = {"name": "Lakeside Practice", "time_zone": "Europe/London", "admin_name": "Lee", "admin_email": "lee@x.test"}
    bad = client.post("/welcome/", {**form, "time_zone": "Nowhere/Else"})
    assert bad.status_code == 200 and "Select a valid choice." in bad.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post("/welcome/", form)
    assert done.status_code == 200 and "Lakeside Practice is ready" in done.content.decode()
    _assert_started(Practice.objects.get(slug="lakeside-practice"), "lee@x.test")
    assert client.get("/welcome/").status_code == 404  # closed once a practice exists
    assert "start one" not in client.get("/sign-in/").content.decode()


def test_an_operators_first_run_link_works_for_one_practice(desk, django_capture_on_commit_callbacks):
    token = first_run_token()
    client = Client()
    assert client.get("/welcome/?token=forged").status_code == 404
    assert client.get(f"/welcome/?token={token}").status_code == 200
    form = {"name": "Second Practice", "time_zone": "UTC", "admin_name": "S", "admin_email": "s@x.test"}
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/welcome/?token={token}", form).status_code == 200
    assert Practice.objects.filter(slug="second-practice").exists()
    assert client.get(f"/welcome/?token={token}").status_code == 404  # spent
