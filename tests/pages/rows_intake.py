"""A client's intake packets from the client's page (intake/page_urls.py). Roles are the API's PacketViewSet
writers: the front desk, or a clinician (and a supervisor, who is one) for their caseload; each action answers
a redirect to the client's page. Out of scope is a 404, as a missing packet or client."""

from tests.pages.matrix import PageRow, every

GONE = {"mine": 404, "foreign": 404, "other": 404}
ALL_SCOPES = {"mine": 302, "foreign": 302, "other": 404}
CASELOAD = {"mine": 302, "foreign": 404, "other": 404}
WRITERS = {
    "anon": 302,
    "front_desk": ALL_SCOPES,
    "clinician": CASELOAD,
    "supervisor": CASELOAD,
    **every(GONE, ("admin", "client")),
}


def _forms(world, scope):
    from tests.factories.intake import seeded

    return {"forms": [seeded(world.tenant(scope).practice)["phq-9"].pk], "send_invitation": ""}


ROWS = [
    PageRow("intake_pages:packet-assign", WRITERS, target="client", method="post", data=_forms),
    PageRow("intake_pages:packet-resend", WRITERS, target="intake_packet", method="post"),
    PageRow("intake_pages:packet-revoke", WRITERS, target="intake_packet", method="post"),
]
