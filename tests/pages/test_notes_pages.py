"""The notes pages without a browser: query counts pinned and not growing with the rows; psychotherapy notes
never in the timeline, the client's clinical page, prep, supervision or the co-sign queue; the autosave's answers
(stale and locked saves refused with 409 and a message in words); clinical reads audited by the read path."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notes.models import ProgressNote
from notes.services import psychotherapy_note_create
from practice.models import AuditEvent
from tests.factories.notes import appointment_for, draft_note, signed_note, withdrawal_rupture
from tests.pages.conftest import signed_in_client

PROCESS_TEXT = "My own process: I wanted to rescue her."


def _history(world, n: int, offset: int = 0):
    """n signed notes with two ruptures each, n sessions today and (the first time) one two days ago."""
    if not offset:
        appointment_for(world.p.clinician, world.p.client_a, starts_at=timezone.now() - timedelta(days=2))
    start = timezone.now() - timedelta(days=7 * n + 1)
    for i in range(n):
        signed_note(
            world.p.clinician,
            world.p.client_a,
            session_at=start + timedelta(days=7 * i),
            ruptures=[withdrawal_rupture(intensity=1 + i % 5), withdrawal_rupture(outcome="repaired")],
        )
        appointment_for(world.p.clinician, world.p.client_a, starts_at=timezone.now() - timedelta(hours=2 + offset + i))


def _urls(world) -> dict[str, tuple[str, str]]:
    c = world.p.client_a.pk
    note = ProgressNote.objects.filter(author=world.p.clinician).order_by("pk").first()
    return {
        "day": ("clinician", "/clinical/today/"),
        "week": ("clinician", "/clinical/week/"),
        "attention": ("clinician", "/clinical/attention/"),
        "clients": ("clinician", "/clinical/clients/"),
        "client": ("clinician", f"/clinical/clients/{c}/"),
        "prep": ("clinician", f"/clinical/clients/{c}/prep/"),
        "timeline": ("clinician", f"/clinical/clients/{c}/timeline/"),
        "note": ("clinician", f"/clinical/notes/{note.pk}/"),
        "process-notes": ("clinician", "/clinical/process-notes/"),
        "cosign": ("supervisor", "/clinical/cosign/"),
        "supervision": ("supervisor", "/clinical/supervision/"),
        "supervisee": ("supervisor", f"/clinical/supervision/{world.p.clinician.pk}/"),
    }


# Queries per page, the shell's 6 included (tests/pages/test_page_queries.py SHELL_QUERIES), whatever the rows.
# The supervisee view reads each current client's timeline summary (the summary alone, 2 statements): it grows
# with the supervisee's clients (one here), never with their notes.
PINNED = {
    "day": 14,  # + today's sessions and the earlier ones due: appointments, their clients, the notes (2 x 3), templates
    "week": 14,
    "attention": 12,
    "clients": 8,
    "client": 12,
    # session prep + the timeline's summary alone (notes with counts; markers, strategies), one audit each; the
    # signed notes and the scores read once for both (notes.reads.session_prep_page_read)
    "prep": 17,
    "timeline": 15,  # a window of sessions and one of open ruptures + the markers and strategies, one audit event
    "note": 19,
    "process-notes": 9,
    "cosign": 11,
    "supervision": 9,
    "supervisee": 17,
}


def _counts(world) -> dict[str, int]:
    out = {}
    clients = {role: signed_in_client(world.p.members[role]) for role in ("clinician", "supervisor")}
    for name, (role, url) in _urls(world).items():
        with CaptureQueriesContext(connection) as ctx:
            response = clients[role].get(url)
        assert response.status_code == 200, url
        out[name] = len(ctx)
    return out


def test_query_counts_are_pinned_and_do_not_grow_with_the_rows(world):
    _history(world, 2)
    small = _counts(world)
    _history(world, 5, offset=3)
    large = _counts(world)
    assert small == large == PINNED


def test_psychotherapy_notes_appear_on_no_clinical_page(world):
    _history(world, 1)
    process = psychotherapy_note_create(actor=world.p.clinician.membership, client=world.p.client_a, body=PROCESS_TEXT)
    for name, (role, url) in _urls(world).items():
        if name == "process-notes":
            continue  # the author's own list of them
        body = signed_in_client(world.p.members[role]).get(url).content.decode()
        assert PROCESS_TEXT not in body, name
        assert f"/clinical/process-notes/{process.pk}/" not in body, name
    author = signed_in_client(world.p.clinician.membership)
    assert PROCESS_TEXT in author.get(f"/clinical/process-notes/{process.pk}/").content.decode()
    for role in ("supervisor", "admin", "front_desk", "client"):
        assert signed_in_client(world.p.members[role]).get(f"/clinical/process-notes/{process.pk}/").status_code == 404


def _form(note, **extra):
    return {
        "version": note.version,
        "content.focus": "Focus.",
        "content.process": "Process.",
        "content.plan": "Plan.",
        "risk_level": "none",
        "rupture_slots": "1",
        **extra,
    }


def test_autosave_answers_json_and_refuses_stale_and_locked_saves_in_words(world):
    note = draft_note(world.p.clinician, world.p.client_a)
    author = signed_in_client(world.p.clinician.membership)
    url = f"/clinical/notes/{note.pk}/save/"
    ok = author.post(url, _form(note), HTTP_X_AUTOSAVE="1")
    assert ok.status_code == 200 and ok.json()["version"] == note.version + 1
    stale = author.post(url, _form(note), HTTP_X_AUTOSAVE="1")  # the version the editor had before
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    assert "changed in another window or tab" in stale.json()["error"]
    note.refresh_from_db()
    assert note.content["focus"] == "Focus."
    bad = author.post(url, _form(note, **{"r-0-family": "withdrawal", "r-0-intensity": "9"}), HTTP_X_AUTOSAVE="1")
    assert bad.status_code == 400 and "ruptures.0.intensity" in bad.json()["fields"]
    signed = author.post(f"/clinical/notes/{note.pk}/sign/", _form(note))
    assert signed.status_code == 302
    locked = author.post(url, _form(ProgressNote.objects.get(pk=note.pk)), HTTP_X_AUTOSAVE="1")
    assert locked.status_code == 409 and "can no longer change" in locked.json()["error"]


def test_the_timeline_page_is_audited_by_the_read_path(world):
    _history(world, 2)
    before = AuditEvent.objects.count()
    response = signed_in_client(world.p.clinician.membership).get(f"/clinical/clients/{world.p.client_a.pk}/timeline/")
    assert response.status_code == 200
    events = AuditEvent.objects.order_by("pk")[before:]
    [event] = [e for e in events if (e.action, e.object_type) == ("read", "notes.timeline")]
    # one event for the read, naming every note it drew on
    signed = ProgressNote.objects.filter(client=world.p.client_a, status__in=ProgressNote.LOCKED)
    assert event.detail["notes"] == sorted(signed.values_list("pk", flat=True)) and len(event.detail["notes"]) == 2
    assert "<title>Relational timeline · Attune</title>" in response.content.decode()


def test_a_note_started_from_a_session_takes_the_chosen_template(world):
    appointment = appointment_for(world.p.clinician, world.p.client_a)
    author = signed_in_client(world.p.clinician.membership)
    response = author.post(
        f"/clinical/sessions/{appointment.pk}/note/", {"client": world.p.client_a.pk, "template": "soap"}
    )
    assert response.status_code == 302
    note = ProgressNote.objects.get(appointment=appointment)
    assert note.template.code == "soap"
    page = author.get(response["Location"]).content.decode()
    assert 'name="content.subjective"' in page and 'name="content.focus"' not in page
    again = author.post(f"/clinical/sessions/{appointment.pk}/note/", {"client": world.p.client_a.pk})
    assert again["Location"] == response["Location"]  # one note per session and client


def test_signing_with_a_risk_above_none_needs_its_rationale(world):
    note = draft_note(world.p.clinician, world.p.client_a)
    author = signed_in_client(world.p.clinician.membership)
    refused = author.post(f"/clinical/notes/{note.pk}/sign/", _form(note, risk_level="moderate"))
    assert refused.status_code == 400
    assert "A rationale is required for any risk level above none." in refused.content.decode()
    assert ProgressNote.objects.get(pk=note.pk).status == "draft"
    note.refresh_from_db()
    signed = author.post(
        f"/clinical/notes/{note.pk}/sign/", _form(note, risk_level="moderate", risk_rationale="Passive ideation.")
    )
    assert signed.status_code == 302 and ProgressNote.objects.get(pk=note.pk).status != "draft"
