"""The admin's pages (practice/page_urls.py): admins only, except the forms list and view (every staff role,
as the API's FormViewSet). Another practice's object is a 404, as a missing one."""

from tests.pages.matrix import STAFF, PageRow, every

NON_ADMIN = ("front_desk", "clinician", "supervisor", "client")
ADMIN_OBJECT = {"mine": 200, "foreign": 200, "other": 404}
ADMIN_OBJECT_POST = {"mine": 302, "foreign": 302, "other": 404}
GONE = {"mine": 404, "foreign": 404, "other": 404}


def admin_list(name, **kw):
    return PageRow(name, {"anon": 302, "admin": 200, **every(403, NON_ADMIN)}, **kw)


def admin_object(name, target, **kw):
    return PageRow(name, {"anon": 302, "admin": ADMIN_OBJECT, **every(GONE, NON_ADMIN)}, target=target, **kw)


def admin_object_post(name, target, **kw):
    return PageRow(
        name,
        {"anon": 302, "admin": ADMIN_OBJECT_POST, **every(GONE, NON_ADMIN)},
        target=target,
        method="post",
        **kw,
    )


def post_only_get(name, target):
    return PageRow(name, {"anon": 405, **every(405)}, target=target, id="get")


def _invite(world, scope):
    return {"email": "new-person@example.test", "roles": ["front_desk"], "full_name": "New Person"}


def _location(world, scope):
    return {"name": "Annex", "address": "1 Main St", "time_zone": "America/New_York", "is_active": "on"}


ROWS = [
    admin_list("practice_pages:staff-list", absent={"admin": ("date_of_birth",)}),
    admin_object("practice_pages:staff-edit", "staff"),
    post_only_get("practice_pages:staff-set-active", "staff"),
    admin_object_post("practice_pages:staff-set-active", "staff", data={"active": "1"}),
    post_only_get("practice_pages:staff-mfa-reset", "staff"),
    admin_object_post("practice_pages:staff-mfa-reset", "staff"),
    admin_list("practice_pages:invitations"),
    PageRow(
        "practice_pages:invitations",
        {"anon": 302, "admin": 302, **every(403, NON_ADMIN)},
        method="post",
        data=_invite,
        id="invite",
    ),
    post_only_get("practice_pages:invitation-revoke", "invitation"),
    admin_object_post("practice_pages:invitation-revoke", "invitation"),
    admin_list("practice_pages:supervision"),
    post_only_get("practice_pages:supervision-end", "supervision"),
    admin_object_post("practice_pages:supervision-end", "supervision"),
    admin_list("practice_pages:settings"),
    admin_list("practice_pages:reminder-policy"),
    admin_list("scheduling_pages:locations"),
    PageRow(
        "scheduling_pages:locations",
        {"anon": 302, "admin": 302, **every(403, NON_ADMIN)},
        method="post",
        data=_location,
        id="add",
    ),
    admin_object("scheduling_pages:locations-edit", "location"),
    admin_list("scheduling_pages:rooms"),
    admin_object("scheduling_pages:rooms-edit", "room"),
    admin_list("scheduling_pages:appointment-types"),
    admin_object("scheduling_pages:appointment-types-edit", "appointment_type"),
    PageRow("intake_pages:forms", {"anon": 302, **every(200, STAFF), "client": 403}),
    PageRow(
        "intake_pages:form",
        {"anon": 302, **every(ADMIN_OBJECT, STAFF), "client": GONE},
        target="intake_form",
    ),
    admin_list("practice_pages:audit"),
]
