"""The client portal's pages (backend/portal/page_urls.py): a client reaches only their own sessions and
answers; every other id is the 404 page; staff roles have no portal (403 on its collection pages, 404 on its
object pages)."""

from tests.pages.matrix import STAFF, PageRow, every

MINE_ONLY = {"mine": 200, "foreign": 404, "other": 404}
NOT_FOUND = {"mine": 404, "foreign": 404, "other": 404}
PORTAL = {"anon": 302, **every(403, STAFF), "client": 200}
PORTAL_OBJECT = {"anon": 302, **every(NOT_FOUND, STAFF), "client": MINE_ONLY}
# A client never sees a score, a band or an interpretation of their own answers (ACCESS.md).
NO_SCORES = {"client": ("Score", "score", "severity", "Moderate", "Mild")}

ROWS = [
    PageRow("portal_pages:sessions", PORTAL),
    PageRow("portal_pages:request", PORTAL),
    PageRow("portal_pages:forms", PORTAL, absent=NO_SCORES),
    PageRow("portal_pages:details", PORTAL),
    PageRow("portal_pages:cancel", PORTAL_OBJECT, target="appointment"),
    PageRow(
        "portal_pages:cancel",
        {"anon": 302, **every(NOT_FOUND, STAFF), "client": {"mine": 302, "foreign": 404, "other": 404}},
        target="appointment",
        method="post",
    ),
    PageRow("portal_pages:answers", PORTAL_OBJECT, target="intake_submitted_response", absent=NO_SCORES),
    # Public pages: asking for a sign-in link answers the same for any address; a link without a valid token
    # is refused (400) on sight and on use.
    PageRow("portal_pages:sign-in-link", {"anon": 200, **every(200)}),
    PageRow(
        "portal_pages:sign-in-link",
        {"anon": 200, **every(200)},
        method="post",
        data={"email": "nobody@example.test"},
    ),
    PageRow("portal_pages:sign-in-link-use", {"anon": 400, **every(400)}),
    PageRow("portal_pages:sign-in-link-use", {"anon": 302, **every(302)}, method="post", data={"token": "forged"}),
    PageRow("portal_pages:appointment-link", {"anon": 400, **every(400)}),
    PageRow("portal_pages:appointment-link", {"anon": 400, **every(400)}, method="post", data={"token": "forged"}),
]
