"""Issue 11, items 3 and 9: invitations cannot undo a deactivation, one is pending at a time, admins list and
revoke them; invitation and password-reset emails leave through the outbox, never inside the request."""

from __future__ import annotations

import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from practice.models import Invitation, Membership
from practice.services.members import invitation_token
from reminders.models import OutboundMessage
from tests.factories.practice import PASSWORD, MembershipFactory
from tests.reminders.outbox import outbox_deliver

ACCEPT = "/api/v1/auth/invitations/accept/"
NEW_PASSWORD = "a-good-Passphrase"


def _invite(api, email="twice@example.test", roles=("clinician",)):
    response = api.post("/api/v1/invitations/", {"email": email, "roles": list(roles)}, format="json")
    assert response.status_code == 201, response.content
    return Invitation.objects.get(pk=response.json()["id"])


def _accept(invitation, password=NEW_PASSWORD):
    return APIClient().post(ACCEPT, {"token": invitation_token(invitation), "password": password}, format="json")


def _staff_patch(world, membership, **body):
    return world.client_for("admin").patch(f"/api/v1/staff/{membership.pk}/", body, format="json")


def test_a_second_invitation_supersedes_the_first(world):
    admin = world.client_for("admin")
    first = _invite(admin, roles=["front_desk"])
    second = _invite(admin, roles=["clinician"])
    first.refresh_from_db()
    assert first.revoked_at is not None and second.revoked_at is None
    listed = admin.get("/api/v1/invitations/", {"status": "pending"}).json()["results"]
    assert [i["id"] for i in listed] == [str(second.pk)]
    refused = _accept(first)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "token_invalid"
    assert _accept(second).status_code == 201
    member = Membership.objects.get(user__email="twice@example.test")
    assert member.roles == ["clinician"]


def test_the_invite_twice_accept_deactivate_accept_again_path_leaves_the_member_deactivated(world):
    """The review's situation: two invitations of one address, one accepted, the member deactivated, the other
    accepted. The other is superseded at once; and even a still-pending one (legacy data) cannot reactivate."""
    admin = world.client_for("admin")
    first = _invite(admin)
    second = _invite(admin)
    assert _accept(second).status_code == 201
    member = Membership.objects.get(user__email="twice@example.test")
    assert _staff_patch(world, member, roles=["clinician"], is_active=False).status_code == 200
    assert _accept(first).status_code == 400
    # An invitation pending beside the membership (written before this rule, or by hand) is revoked by the
    # deactivation, and a pending one found after it still cannot bring the member back.
    stale = Invitation.objects.create(practice=world.p.practice, email=member.user.email, roles=["admin"])
    assert _staff_patch(world, member, roles=["clinician"], is_active=True).status_code == 200
    assert _staff_patch(world, member, roles=["clinician"], is_active=False).status_code == 200
    stale.refresh_from_db()
    assert stale.revoked_at is not None
    late = Invitation.objects.create(practice=world.p.practice, email=member.user.email, roles=["admin"])
    refused = _accept(late)
    assert refused.status_code == 400
    member.refresh_from_db()
    assert member.is_active is False
    assert member.roles == ["clinician"]  # and no invitation changes an existing member's roles


def test_accepting_never_changes_an_active_members_roles(world):
    member = world.p.members["front_desk"]
    pending = Invitation.objects.create(practice=world.p.practice, email=member.user.email, roles=["admin"])
    assert _accept(pending, password=PASSWORD).status_code == 400
    member.refresh_from_db()
    assert member.roles == ["front_desk"]


def test_an_admin_lists_pending_invitations_and_revokes_one(world):
    admin = world.client_for("admin")
    kept = _invite(admin, email="kept@example.test")
    gone = _invite(admin, email="gone@example.test")
    accepted = _invite(admin, email="joined@example.test")
    assert _accept(accepted).status_code == 201
    pending = admin.get("/api/v1/invitations/", {"status": "pending"}).json()["results"]
    assert {i["email"] for i in pending} == {"kept@example.test", "gone@example.test"}
    assert {i["status"] for i in pending} == {"pending"}

    revoked = admin.post(f"/api/v1/invitations/{gone.pk}/revoke/")
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert _accept(gone).status_code == 400
    again = admin.post(f"/api/v1/invitations/{gone.pk}/revoke/")
    assert again.status_code == 409 and again.json()["error"]["code"] == "invitation_not_pending"
    assert [i["email"] for i in admin.get("/api/v1/invitations/", {"status": "pending"}).json()["results"]] == [
        kept.email
    ]
    # another practice's invitation is not there for this admin
    other = Invitation.objects.create(practice=world.q.practice, email="elsewhere@example.test", roles=["front_desk"])
    assert admin.post(f"/api/v1/invitations/{other.pk}/revoke/").status_code == 404


# --- item 9: account emails through the outbox ----------------------------------------------------------------


class RefusingSmtpBackend(BaseEmailBackend):
    """The SMTP server is down."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("connection unexpectedly closed")


def test_invitation_email_is_an_outbox_row_sent_by_the_worker(world, settings):
    settings.EMAIL_BACKEND = "tests.practice.test_invitations.RefusingSmtpBackend"
    invitation = _invite(world.client_for("admin"), email="later@example.test")  # SMTP down: still 201
    row = OutboundMessage.objects.get(kind="staff_invitation")
    assert (row.subject_id, row.status, row.practice_id) == (str(invitation.pk), "pending", world.p.practice.pk)
    assert outbox_deliver() == ["claimed"]  # the worker's attempt failed and will be retried
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    row.refresh_from_db()
    OutboundMessage.objects.filter(pk=row.pk).update(claimed_at=row.claimed_at.replace(year=2000))
    assert outbox_deliver() == ["sent"]
    [email] = mail.outbox
    assert email.to == ["later@example.test"] and invitation_token(invitation) in email.body


def test_a_revoked_invitation_is_not_emailed(world):
    admin = world.client_for("admin")
    invitation = _invite(admin, email="changed-mind@example.test")
    admin.post(f"/api/v1/invitations/{invitation.pk}/revoke/")
    outbox_deliver()
    assert mail.outbox == []
    assert OutboundMessage.objects.get(kind="staff_invitation").skip_reason == "invitation_revoked"


def _reset(email):
    return APIClient().post("/api/v1/auth/password-reset/", {"email": email}, format="json")


def test_password_reset_with_smtp_down_answers_like_an_unknown_address(db, settings):
    member = MembershipFactory()
    settings.EMAIL_BACKEND = "tests.practice.test_invitations.RefusingSmtpBackend"
    with CaptureQueriesContext(connection) as known_queries:
        known = _reset(member.user.email)
    with CaptureQueriesContext(connection) as unknown_queries:
        unknown = _reset("nobody@example.test")
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    # The same statements either way (no extra work that a stopwatch could see), and no email in the request.
    assert len(known_queries) == len(unknown_queries)
    rows = {r.skip_reason: r for r in OutboundMessage.objects.filter(kind="password_reset")}
    assert set(rows) == {"", "no_account"}
    assert rows[""].subject_id == str(member.user.pk) and rows[""].status == "pending"
    assert rows["no_account"].subject_id == "" and rows["no_account"].status == "skipped"


@pytest.mark.parametrize("active", [True, False])
def test_a_reset_queued_for_an_account_deactivated_meanwhile_is_not_sent(db, active):
    member = MembershipFactory()
    _reset(member.user.email)
    if not active:
        member.user.is_active = False
        member.user.save()
    outbox_deliver()
    assert len(mail.outbox) == (1 if active else 0)
