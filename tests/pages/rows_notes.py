"""The therapist's and the supervisor's pages (notes/page_urls.py). Front desk, admin and clients get 404 on
every clinical page, lists included; another clinician's client or note, or another practice's, is the same
404 as a missing one. Psychotherapy notes answer to their author alone (the supervisor too gets 404)."""

from tests.access.targets import target
from tests.pages.matrix import PageRow, every

NON_CLINICAL = ("admin", "front_desk", "client")
GONE = {"mine": 404, "foreign": 404, "other": 404}
SCOPED = {"mine": 200, "foreign": 404, "other": 404}


def clinical_list(name, *, supervisor=200, clinician=200, **kw):
    return PageRow(
        name, {"anon": 302, **every(404, NON_CLINICAL), "clinician": clinician, "supervisor": supervisor}, **kw
    )


def clinical_object(name, target_kind, *, clinician=SCOPED, supervisor=SCOPED, method="get", anon=302, **kw):
    return PageRow(
        name,
        {"anon": anon, **every(GONE, NON_CLINICAL), "clinician": clinician, "supervisor": supervisor},
        target=target_kind,
        method=method,
        **kw,
    )


def post_only_get(name, target_kind=None):
    return PageRow(name, {"anon": 405, **every(405)}, target=target_kind, id="get")


@target("risk_flag")
def _risk_flag(world, scope):
    from intake.models import RiskFlag
    from intake.services.responses import response_save_draft, response_submit
    from tests.factories.intake import packet_for, phq9_answers

    t = world.tenant(scope)
    client = t.client_b if scope == "foreign" else t.client_a
    response = packet_for(client, "phq-9").responses.get()
    response_save_draft(response=response, answers=phq9_answers([0, 0, 0, 0, 0, 0, 0, 0, 1]), via_link=True)
    response_submit(response=response, via_link=True)
    return RiskFlag.objects.get(response=response)


def _start(world, scope):
    t = world.tenant(scope)
    return {"client": (t.client_b if scope == "foreign" else t.client_a).pk, "template": "relational"}


POSTED = {"mine": 302, "foreign": 404, "other": 404}

ROWS = [
    clinical_list("notes_pages:day"),
    clinical_list("notes_pages:week"),
    clinical_list("notes_pages:attention"),
    clinical_list("notes_pages:clients"),
    clinical_list("notes_pages:process-notes"),
    clinical_list("notes_pages:cosign-queue", clinician=404),
    clinical_list("notes_pages:supervision", clinician=404),
    clinical_object("notes_pages:supervisee", "clinician", clinician=GONE),
    clinical_object("notes_pages:client", "client", absent={"clinician": ("My own process.",)}),
    clinical_object("notes_pages:prep", "client"),
    clinical_object("notes_pages:timeline", "client"),
    clinical_object("notes_pages:note", "signed_note"),
    clinical_object("notes_pages:process-note", "psychotherapy_note", supervisor=GONE),
    post_only_get("notes_pages:note-save", "progress_note"),
    # The author saves a draft; the supervisor does not see another's draft.
    clinical_object(
        "notes_pages:note-save", "progress_note", method="post", clinician=POSTED, supervisor=GONE, anon=302
    ),
    post_only_get("notes_pages:note-sign", "signed_note"),
    # Signing a signed note again: 409 for its author; the supervisor is not the author (403).
    clinical_object(
        "notes_pages:note-sign",
        "signed_note",
        method="post",
        clinician={"mine": 409, "foreign": 404, "other": 404},
        supervisor={"mine": 403, "foreign": 404, "other": 404},
    ),
    post_only_get("notes_pages:note-addendum", "signed_note"),
    clinical_object(
        "notes_pages:note-addendum",
        "signed_note",
        method="post",
        data={"body": "A correction."},
        clinician=POSTED,
        supervisor={"mine": 403, "foreign": 404, "other": 404},
    ),
    post_only_get("notes_pages:note-cosign", "signed_note"),
    clinical_object(
        "notes_pages:note-cosign",
        "signed_note",
        method="post",
        data={"comment": "Seen."},
        clinician={"mine": 403, "foreign": 404, "other": 404},
        supervisor=POSTED,
    ),
    post_only_get("notes_pages:note-start", "appointment"),
    clinical_object(
        "notes_pages:note-start", "appointment", method="post", data=_start, clinician=POSTED, supervisor=POSTED
    ),
    post_only_get("notes_pages:rupture-close", "rupture"),
    clinical_object(
        "notes_pages:rupture-close",
        "rupture",
        method="post",
        data={"reason": "Client ended the topic."},
        clinician=POSTED,
        supervisor=POSTED,
    ),
    post_only_get("notes_pages:risk-flag-ack", "risk_flag"),
    clinical_object(
        "notes_pages:risk-flag-ack",
        "risk_flag",
        method="post",
        data={"note": "Called the client."},
        clinician=POSTED,
        supervisor=POSTED,
    ),
]
