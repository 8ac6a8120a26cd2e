"""The clients' pages (practice/page_urls.py, "clients" block). Roles are the API's ClientViewSet and
CareTeamViewSet: every staff role reads (a clinician and a supervisor their caseload only), the front desk
creates and edits, the front desk and admins keep the care team; clients have the portal instead. Another
practice's client, or one off a clinician's caseload, is a 404 as a missing one. No page shows clinical content:
a progress note is written for the client first, and its words must be absent."""

from tests.factories.notes import RELATIONAL, draft_note
from tests.pages.matrix import PageRow, every

READERS = ("admin", "front_desk", "clinician", "supervisor")
GONE = {"mine": 404, "foreign": 404, "other": 404}
ALL_SCOPES = {"mine": 200, "foreign": 200, "other": 404}
CASELOAD = {"mine": 200, "foreign": 404, "other": 404}
NOTE_WORDS = (RELATIONAL["focus"], RELATIONAL["plan"], "Grief about")
NO_NOTES = dict.fromkeys(READERS, NOTE_WORDS)


def _with_a_note(world, scope):
    """A draft note for the target client by its clinician: clinical content the page must not show."""
    t = world.tenant(scope)
    client = t.client_b if scope == "foreign" else t.client_a
    draft_note(t.clinician2 if scope == "foreign" else t.clinician, client)
    return {}


def _list_with_a_note(world, scope):
    _with_a_note(world, "mine")
    _with_a_note(world, "foreign")
    return {}


def _client_fields(world, scope):
    return {
        "first_name": "Ana",
        "last_name": "Quill",
        "preferred_name": "Annie",
        "pronouns": "she/her",
        "email": "ana.quill@example.test",
        "preferred_channel": "email",
        "country": "US",
        "time_zone": "America/Chicago",
        "language": "en",
        "email_consent": "on",
    }


def _other_clinician(world, scope):
    return {"clinician": world.tenant(scope).clinician2.pk, "role": "associate"}


def _off_caseload(world, scope):
    return (world.p.client_b.email,)


ROWS = [
    PageRow(
        "practice_pages:clients",
        {"anon": 302, "client": 403, **every(200, READERS)},
        data=_list_with_a_note,
        absent={**NO_NOTES, "clinician": lambda w, s: (*NOTE_WORDS, *_off_caseload(w, s))},
    ),
    PageRow(
        "practice_pages:clients",
        {"anon": 302, "client": 403, **every(200, READERS)},
        data={"q": "zzz-nobody", "page": "9"},
        id="search",
    ),
    PageRow(
        "practice_pages:client-new",
        {"anon": 302, "front_desk": 200, **every(403, ("admin", "clinician", "supervisor", "client"))},
    ),
    PageRow(
        "practice_pages:client-new",
        {"anon": 302, "front_desk": 302, **every(403, ("admin", "clinician", "supervisor", "client"))},
        method="post",
        data=_client_fields,
    ),
    PageRow(
        "practice_pages:client-new",
        {"anon": 302, "front_desk": 400, **every(403, ("admin", "clinician", "supervisor", "client"))},
        method="post",
        id="invalid",
    ),
    PageRow(
        "practice_pages:client",
        {
            "anon": 302,
            "admin": ALL_SCOPES,
            "front_desk": ALL_SCOPES,
            "clinician": CASELOAD,
            "supervisor": CASELOAD,
            "client": GONE,
        },
        target="client",
        data=_with_a_note,
        absent=NO_NOTES,
    ),
    PageRow(
        "practice_pages:client-edit",
        {"anon": 302, "front_desk": ALL_SCOPES, **every(GONE, ("admin", "clinician", "supervisor", "client"))},
        target="client",
    ),
    PageRow(
        "practice_pages:client-edit",
        {
            "anon": 302,
            "front_desk": {"mine": 302, "foreign": 302, "other": 404},
            **every(GONE, ("admin", "clinician", "supervisor", "client")),
        },
        target="client",
        method="post",
        data=_client_fields,
    ),
    PageRow(
        "practice_pages:care-team-add",
        {
            "anon": 302,
            "admin": {"mine": 302, "foreign": 302, "other": 404},
            "front_desk": {"mine": 302, "foreign": 302, "other": 404},
            **every(GONE, ("clinician", "supervisor", "client")),
        },
        target="client",
        method="post",
        data=_other_clinician,
    ),
    PageRow(
        "practice_pages:care-team-remove",
        {
            "anon": 302,
            "admin": {"mine": 302, "foreign": 302, "other": 404},
            "front_desk": {"mine": 302, "foreign": 302, "other": 404},
            **every(GONE, ("clinician", "supervisor", "client")),
        },
        target="care_team_member",
        method="post",
    ),
]
