"""Matrix rows for the notes app: taxonomy, progress notes (sign, co-sign, addenda), ruptures,
psychotherapy notes, the relational timeline, session prep, caseload attention and overdue notes.

Admin, front desk and client: 403 on every note collection, 404 on every note object.
Psychotherapy notes: the author alone; 404 for everyone else, supervisors included.
"""

from tests.access.matrix import Row
from tests.access.targets import target

NONE_CLINICAL = {"admin": 404, "front_desk": 404, "client": 404, "anonymous": 401}
NO_COLLECTION = {"admin": 403, "front_desk": 403, "client": 403, "anonymous": 401}
TAXONOMY_READ = {"admin": 200, "front_desk": 403, "clinician": 200, "supervisor": 200, "client": 403, "anonymous": 401}
TAXONOMY_WRITE = {"admin": 201, "front_desk": 403, "clinician": 403, "supervisor": 403, "client": 403, "anonymous": 401}
TAXONOMY_PATCH = {"admin": 200, "front_desk": 404, "clinician": 403, "supervisor": 403, "client": 404, "anonymous": 401}
NOTE_TEXT = {"content", "risk_rationale", "therapist_contribution", "client_response", "body", "cosign_comment"}


# --- builders -------------------------------------------------------------------------------------


def _pair(world, scope):
    t = world.tenant(scope)
    return (t.clinician2, t.client_b) if scope == "foreign" else (t.clinician, t.client_a)


@target("rupture_marker")
def _rupture_marker(world, scope):
    from notes.models import RuptureMarker
    from notes.services import taxonomy_seed

    t = world.tenant(scope)
    taxonomy_seed(practice=t.practice)
    code = "wd_denial" if scope == "foreign" else "wd_minimal_response"
    return RuptureMarker.objects.get(practice=t.practice, code=code)


@target("repair_strategy")
def _repair_strategy(world, scope):
    from notes.models import RepairStrategy
    from notes.services import taxonomy_seed

    t = world.tenant(scope)
    taxonomy_seed(practice=t.practice)
    code = "rs_redirect" if scope == "foreign" else "rs_metacommunication"
    return RepairStrategy.objects.get(practice=t.practice, code=code)


@target("progress_note")
def _draft(world, scope):
    from tests.factories.notes import draft_note

    clinician, client = _pair(world, scope)
    return draft_note(clinician, client)


@target("signed_note")
def _signed(world, scope):
    """Mine: the supervisee's signed note, awaiting co-signature. Foreign: clinician2's signed note."""
    from tests.factories.notes import signed_note, withdrawal_rupture

    clinician, client = _pair(world, scope)
    return signed_note(clinician, client, ruptures=[withdrawal_rupture(outcome="partial")])


@target("rupture")
def _rupture(world, scope):
    return world.target("signed_note", scope).ruptures.get()


@target("psychotherapy_note")
def _psychotherapy_note(world, scope):
    from notes.services import psychotherapy_note_create

    clinician, client = _pair(world, scope)
    return psychotherapy_note_create(actor=clinician.membership, client=client, body="My own process.")


@target("overdue_alert")
def _overdue_alert(world, scope):
    from notes.models import OverdueNoteAlert

    note = world.target("progress_note", scope)
    return OverdueNoteAlert.objects.create(practice=note.practice, note=note, author=note.author)


# --- payloads -------------------------------------------------------------------------------------


def _new_note(world, actor, scope):
    from tests.factories.notes import RELATIONAL, withdrawal_rupture

    return {"client": world.p.client_a.pk, "content": RELATIONAL, "ruptures": [withdrawal_rupture()]}


def _new_psychotherapy_note(world, actor, scope):
    return {"client": world.p.client_a.pk, "body": "I noticed my wish to rescue."}


ROWS = [
    # --- taxonomy ---------------------------------------------------------------------------------------
    Row(
        "GET",
        "/api/v1/notes/rupture-markers/",
        expect=TAXONOMY_READ,
        lists="rupture_marker",
        visible={a: {"mine", "foreign"} for a in ("admin", "clinician", "supervisor")},
    ),
    Row(
        "POST",
        "/api/v1/notes/rupture-markers/",
        expect=TAXONOMY_WRITE,
        payload=lambda w, a, s: {"family": "withdrawal", "code": "wd_falling_silent", "label": "Falling silent"},
    ),
    Row(
        "PATCH",
        "/api/v1/notes/rupture-markers/{id}/",
        target="rupture_marker",
        expect=TAXONOMY_PATCH,
        payload=lambda w, a, s: {"label": "Minimal or no response"},
    ),
    Row(
        "GET",
        "/api/v1/notes/repair-strategies/",
        expect=TAXONOMY_READ,
        lists="repair_strategy",
        visible={a: {"mine", "foreign"} for a in ("admin", "clinician", "supervisor")},
    ),
    Row(
        "POST",
        "/api/v1/notes/repair-strategies/",
        expect=TAXONOMY_WRITE,
        payload=lambda w, a, s: {"approach": "expressive", "code": "rs_humour", "label": "Shared humour"},
    ),
    Row(
        "PATCH",
        "/api/v1/notes/repair-strategies/{id}/",
        target="repair_strategy",
        expect=TAXONOMY_PATCH,
        payload=lambda w, a, s: {"is_active": False},
    ),
    Row("GET", "/api/v1/notes/templates/", expect=TAXONOMY_READ),
    # --- progress notes ---------------------------------------------------------------------------------
    Row(
        "GET",
        "/api/v1/progress-notes/",
        expect={**NO_COLLECTION, "clinician": 200, "supervisor": 200},
        lists="signed_note",
        visible={"clinician": {"mine"}, "supervisor": {"mine"}},
        forbidden_fields={"clinician": NOTE_TEXT, "supervisor": NOTE_TEXT},
    ),
    Row(
        "POST",
        "/api/v1/progress-notes/",
        expect={**NO_COLLECTION, "clinician": 201, "supervisor": 403},
        payload=_new_note,
        note="the supervisor reads client_a through supervision but is not on the care team",
    ),
    Row(
        "GET",
        "/api/v1/progress-notes/{id}/",
        target="signed_note",
        expect={**NONE_CLINICAL, "clinician": (200, 404), "supervisor": (200, 404)},
    ),
    Row(
        "PATCH",
        "/api/v1/progress-notes/{id}/",
        target="progress_note",
        expect={**NONE_CLINICAL, "clinician": (200, 404), "supervisor": 404},
        payload=lambda w, a, s: {"content": {"focus": "autosaved"}},
        note="a draft is visible to its author only",
    ),
    Row(
        "POST",
        "/api/v1/progress-notes/{id}/sign/",
        target="progress_note",
        expect={**NONE_CLINICAL, "clinician": (200, 404), "supervisor": 404},
    ),
    Row(
        "POST",
        "/api/v1/progress-notes/{id}/cosign/",
        target="signed_note",
        expect={**NONE_CLINICAL, "clinician": (403, 404), "supervisor": (200, 404)},
        payload=lambda w, a, s: {"comment": "Reviewed in supervision."},
    ),
    Row(
        "POST",
        "/api/v1/progress-notes/{id}/addenda/",
        target="signed_note",
        expect={**NONE_CLINICAL, "clinician": (201, 404), "supervisor": (403, 404)},
        payload=lambda w, a, s: {"body": "Late entry: the client called after the session."},
    ),
    Row(
        "POST",
        "/api/v1/ruptures/{id}/close/",
        target="rupture",
        expect={**NONE_CLINICAL, "clinician": (200, 404), "supervisor": (403, 404)},
        payload=lambda w, a, s: {"reason": "Treatment ended by agreement."},
    ),
    # --- psychotherapy notes: the author alone ----------------------------------------------------------
    Row(
        "GET",
        "/api/v1/psychotherapy-notes/",
        expect={**NO_COLLECTION, "clinician": 200, "supervisor": 200},
        lists="psychotherapy_note",
        visible={"clinician": {"mine"}},
        forbidden_fields={"clinician": {"body"}, "supervisor": {"body"}},
    ),
    Row(
        "POST",
        "/api/v1/psychotherapy-notes/",
        expect={**NO_COLLECTION, "clinician": 201, "supervisor": 403},
        payload=_new_psychotherapy_note,
    ),
    Row(
        "GET",
        "/api/v1/psychotherapy-notes/{id}/",
        target="psychotherapy_note",
        expect={**NONE_CLINICAL, "clinician": (200, 404), "supervisor": 404},
    ),
    Row(
        "PATCH",
        "/api/v1/psychotherapy-notes/{id}/",
        target="psychotherapy_note",
        expect={**NONE_CLINICAL, "clinician": (200, 404), "supervisor": 404},
        payload=lambda w, a, s: {"body": "Revised process note."},
    ),
    Row(
        "DELETE",
        "/api/v1/psychotherapy-notes/{id}/",
        target="psychotherapy_note",
        expect={**NONE_CLINICAL, "clinician": (204, 404), "supervisor": 404},
    ),
    # --- relational timeline, session prep, caseload ----------------------------------------------------
    Row(
        "GET",
        "/api/v1/notes/clients/{id}/timeline/",
        target="client",
        expect={**NONE_CLINICAL, "clinician": (200, 404), "supervisor": (200, 404)},
        forbidden_fields={"clinician": NOTE_TEXT, "supervisor": NOTE_TEXT},
    ),
    Row(
        "GET",
        "/api/v1/notes/clients/{id}/session-prep/",
        target="client",
        expect={**NONE_CLINICAL, "clinician": (200, 404), "supervisor": (200, 404)},
    ),
    Row(
        "GET",
        "/api/v1/notes/appointments/{id}/session-prep/",
        target="appointment",
        expect={**NONE_CLINICAL, "clinician": (200, 404), "supervisor": (200, 404)},
    ),
    Row("GET", "/api/v1/notes/caseload-attention/", expect={**NO_COLLECTION, "clinician": 200, "supervisor": 200}),
    # --- overdue notes ----------------------------------------------------------------------------------
    Row(
        "GET",
        "/api/v1/notes/overdue-alerts/",
        expect={**NO_COLLECTION, "clinician": 200, "supervisor": 200},
        lists="overdue_alert",
        visible={"clinician": {"mine"}},
    ),
    Row(
        "GET",
        "/api/v1/notes/overdue-summary/",
        expect={"admin": 200, "front_desk": 403, "clinician": 200, "supervisor": 200, "client": 403, "anonymous": 401},
        forbidden_fields={"admin": {"note", "client", "session_at", *NOTE_TEXT}},
    ),
]
