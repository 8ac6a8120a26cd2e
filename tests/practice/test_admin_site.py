"""Issue 11 (suspected, confirmed): the operators' admin site showed and changed client records, memberships and
care teams through default admins, unaudited. Now read-only, listed by id, and every look is audited."""

import pytest
from django.test import Client as BrowserClient

from practice.models import AuditEvent, User


@pytest.fixture
def operator_browser(db):
    operator = User.objects.create_superuser(email="ops@attune.test", password="operator-pass-123")
    browser = BrowserClient()
    browser.force_login(operator)
    return operator, browser


def test_client_list_shows_no_names_and_is_audited(world, operator_browser):
    operator, browser = operator_browser
    response = browser.get("/admin/practice/client/")
    assert response.status_code == 200
    assert world.p.client_a.last_name not in response.content.decode()
    event = AuditEvent.objects.get(actor=operator, action="list")
    assert (event.object_type, event.detail) == ("practice.client", {"via": "admin_site"})


def test_opening_a_client_record_is_a_read_the_practice_admin_sees(world, operator_browser):
    operator, browser = operator_browser
    assert browser.get(f"/admin/practice/client/{world.p.client_a.pk}/change/").status_code == 200
    trail = world.client_for("admin").get("/api/v1/audit-events/", {"object_type": "practice.client"}).json()
    [event] = [e for e in trail["results"] if e["actor"] == operator.pk]
    assert (event["action"], event["object_id"], event["detail"]) == (
        "read",
        str(world.p.client_a.pk),
        {"via": "admin_site"},
    )


@pytest.mark.parametrize("model", ["client", "careteammember", "membership"])
def test_records_cannot_be_changed_through_the_admin_site(world, operator_browser, model):
    _, browser = operator_browser
    membership = world.p.members["clinician"]
    if model == "client":
        pk, body = world.p.client_a.pk, {"first_name": "Changed", "last_name": "Changed"}
    elif model == "membership":
        pk, body = membership.pk, {"roles": "admin", "is_active": "on"}
    else:
        pk, body = world.p.client_a.care_team.get().pk, {"role": "associate"}
    assert browser.post(f"/admin/practice/{model}/{pk}/change/", body).status_code == 403
    assert browser.post(f"/admin/practice/{model}/{pk}/delete/", {"post": "yes"}).status_code == 403
    assert browser.get(f"/admin/practice/{model}/add/").status_code == 403
    membership.refresh_from_db()
    world.p.client_a.refresh_from_db()
    assert membership.roles == ["clinician"] and world.p.client_a.first_name != "Changed"
    assert world.p.client_a.care_team.get().role == "primary"
