"""The timeline answers one window of sessions (the latest, or those before `?before=`) while its summary counts
every signed session; session prep and the timeline each write one audit event naming the notes they read."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from notes.models import ProgressNote
from notes.selectors import OPEN_WINDOW
from notes.timeline import SESSION_WINDOW
from practice.models import AuditEvent
from tests.factories.notes import signed_note, withdrawal_rupture

pytestmark = pytest.mark.django_db


def _notes(world, count: int) -> list[ProgressNote]:
    start = timezone.now() - timedelta(days=7 * count + 7)
    return [
        signed_note(
            world.p.clinician,
            world.p.client_a,
            session_at=start + timedelta(days=7 * i),
            ruptures=[withdrawal_rupture(outcome="partial"), withdrawal_rupture(outcome="repaired")],
        )
        for i in range(count)
    ]


def _url(world) -> str:
    return f"/api/v1/notes/clients/{world.p.client_a.pk}/timeline/"


def test_the_timeline_shows_the_latest_window_and_earlier_sessions_on_demand(world):
    notes = _notes(world, SESSION_WINDOW + 3)
    api = world.client_for("clinician")
    latest = api.get(_url(world)).json()
    assert [s["id"] for s in latest["sessions"]] == [n.pk for n in notes[3:]]
    assert latest["window"] == {
        "size": SESSION_WINDOW,
        "sessions": SESSION_WINDOW + 3,
        "shown": SESSION_WINDOW,
        "before": None,
        "earlier": notes[3].pk,
    }
    earlier = api.get(_url(world), {"before": latest["window"]["earlier"]}).json()
    assert [s["id"] for s in earlier["sessions"]] == [n.pk for n in notes[:3]]
    assert earlier["window"]["earlier"] is None and earlier["window"]["before"] == notes[3].pk
    # The summary counts every session whichever window is shown; open ruptures come in a window of their own.
    for body in (latest, earlier):
        summary = body["summary"]
        assert (summary["sessions"], summary["ruptures"], summary["repaired"], summary["open"]) == (23, 46, 23, 23)
        assert summary["ruptures_by_family"] == {"withdrawal": 46}
        assert len(body["open_ruptures"]) == OPEN_WINDOW and body["open_window"]["open"] == 23


@pytest.mark.parametrize("path", ["timeline", "session-prep"])
def test_open_ruptures_come_in_a_window_with_earlier_ones_on_demand(world, path):
    notes = _notes(world, OPEN_WINDOW + 3)  # one open rupture each, oldest session first
    opened = [n.ruptures.get(outcome="partial").pk for n in notes]
    api = world.client_for("clinician")
    url = f"/api/v1/notes/clients/{world.p.client_a.pk}/{path}/"
    latest = api.get(url).json()
    assert [r["id"] for r in latest["open_ruptures"]] == opened[3:]  # the most recent, oldest first
    assert latest["open_window"] == {
        "size": OPEN_WINDOW,
        "open": OPEN_WINDOW + 3,
        "shown": OPEN_WINDOW,
        "before": None,
        "earlier": opened[3],
    }
    earlier = api.get(url, {"open_before": opened[3]}).json()
    assert [r["id"] for r in earlier["open_ruptures"]] == opened[:3]
    assert earlier["open_window"] == {"size": OPEN_WINDOW, "open": 3, "shown": 3, "before": opened[3], "earlier": None}
    foreign = signed_note(world.p.clinician2, world.p.client_b, ruptures=[withdrawal_rupture(outcome="partial")])
    for bad in ("abc", "0", str(2**63), str(foreign.ruptures.get().pk)):
        response = api.get(url, {"open_before": bad})
        assert response.status_code == 400, bad
        assert "open_before" in response.json()["error"]["fields"], bad


def test_session_prep_names_the_notes_of_the_open_ruptures_it_shows(world):
    notes = _notes(world, OPEN_WINDOW + 2)
    api = world.client_for("clinician")
    assert api.get(f"/api/v1/notes/clients/{world.p.client_a.pk}/session-prep/").status_code == 200
    [event] = AuditEvent.objects.filter(action="read", object_type="notes.session_prep")
    assert event.detail["notes"] == sorted(n.pk for n in notes[2:])  # the window's notes (the last one's plan too)


def test_a_bad_or_foreign_before_is_a_400_naming_the_field(world):
    _notes(world, 2)
    foreign = signed_note(world.p.clinician2, world.p.client_b)
    api = world.client_for("clinician")
    for before in ("abc", "0", str(foreign.pk)):
        response = api.get(_url(world), {"before": before})
        assert response.status_code == 400, before
        assert "before" in response.json()["error"]["fields"], before


def test_the_timeline_read_is_one_event_naming_every_note(world):
    notes = _notes(world, SESSION_WINDOW + 2)
    api = world.client_for("clinician")
    assert api.get(_url(world)).status_code == 200
    [event] = AuditEvent.objects.filter(action="read", object_type="notes.timeline", object_id=str(world.p.client_a.pk))
    assert event.detail["notes"] == sorted(n.pk for n in notes)  # the earlier ones too: the summary counts them
    assert not AuditEvent.objects.filter(action="read", object_type="notes.progressnote").exists()


def test_session_prep_is_one_event_naming_the_notes_it_read(world):
    old = signed_note(world.p.clinician, world.p.client_a, session_at=timezone.now() - timedelta(days=14))
    signed_note(
        world.p.clinician,
        world.p.client_a,
        session_at=timezone.now() - timedelta(days=10),
        ruptures=[withdrawal_rupture(outcome="repaired")],
    )
    with_open = signed_note(
        world.p.clinician,
        world.p.client_a,
        session_at=timezone.now() - timedelta(days=7),
        ruptures=[withdrawal_rupture(outcome="partial")],
    )
    last = signed_note(world.p.clinician, world.p.client_a, session_at=timezone.now() - timedelta(days=1))
    body = world.client_for("clinician").get(f"/api/v1/notes/clients/{world.p.client_a.pk}/session-prep/").json()
    assert body["last_note"]["id"] == last.pk and len(body["open_ruptures"]) == 1
    [event] = AuditEvent.objects.filter(action="read", object_type="notes.session_prep")
    assert event.detail["notes"] == sorted([last.pk, with_open.pk])  # the plan's note and the open rupture's
    assert old.pk not in event.detail["notes"]
    assert not AuditEvent.objects.filter(action="read", object_type="notes.progressnote").exists()


def test_the_timeline_page_draws_one_window_and_says_so(world):
    from tests.pages.conftest import signed_in_client

    notes = _notes(world, SESSION_WINDOW + 1)
    browser = signed_in_client(world.p.clinician.membership)
    page = browser.get(f"/clinical/clients/{world.p.client_a.pk}/timeline/").content.decode()
    assert f"{SESSION_WINDOW} of the {SESSION_WINDOW + 1} signed sessions" in page
    assert f"?before={notes[1].pk}" in page and "Earlier sessions" in page
    earlier = browser.get(f"/clinical/clients/{world.p.client_a.pk}/timeline/", {"before": notes[1].pk})
    assert "1 of the 21 signed sessions" in earlier.content.decode()
    assert "Back to the latest sessions" in earlier.content.decode()
    for bad in ("x", "999999"):
        response = browser.get(f"/clinical/clients/{world.p.client_a.pk}/timeline/", {"before": bad})
        assert response.status_code == 400 and "before: not a session id" in response.content.decode()


def test_the_prep_page_shows_the_most_recent_open_ruptures_and_all_on_demand(world):
    from notes.pages.room import OPEN_RUPTURES_SHOWN
    from tests.pages.conftest import signed_in_client

    notes = _notes(world, OPEN_RUPTURES_SHOWN + 2)  # one open rupture each
    browser = signed_in_client(world.p.clinician.membership)
    url = f"/clinical/clients/{world.p.client_a.pk}/prep/"
    page = browser.get(url).content.decode()
    total = OPEN_RUPTURES_SHOWN + 2
    assert f"The {OPEN_RUPTURES_SHOWN} most recent of {total} open ruptures" in page
    assert page.count('class="rupture-card"') == OPEN_RUPTURES_SHOWN
    [event] = AuditEvent.objects.filter(action="read", object_type="notes.session_prep")
    assert event.detail["notes"] == sorted(n.pk for n in notes[2:])  # the notes of the ruptures shown
    everything = browser.get(url, {"open": "all"}).content.decode()
    assert everything.count('class="rupture-card"') == total and f"All {total} open ruptures" in everything
