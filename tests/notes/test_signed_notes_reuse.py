"""The client's signed notes are read once per request (`notes.selectors.signed_notes_of`) and passed down: the
ruptures and the open window drawn through that set are exactly those drawn through the scope built again, for
every reader, and the prep page that reuses the summary's notes and scores answers and audits as its two reads did
one after the other."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from notes import reads
from notes.selectors import open_rupture_window, rupture_list, signed_notes_of
from practice.models import AuditEvent
from tests.factories.notes import draft_note, signed_note, withdrawal_rupture
from tests.factories.practice import CareTeamMemberFactory

pytestmark = pytest.mark.django_db

READERS = ("clinician", "supervisor", "clinician2")


def _history(world) -> None:
    """client_a: signed notes with open and repaired ruptures, and a draft with an open one (in nobody's set but
    its author's drafts); clinician2 joins the care team, so its reads are not empty."""
    start = timezone.now() - timedelta(days=60)
    for i in range(5):
        signed_note(
            world.p.clinician,
            world.p.client_a,
            session_at=start + timedelta(days=7 * i),
            ruptures=[withdrawal_rupture(outcome="partial"), withdrawal_rupture(outcome="repaired")],
        )
    draft_note(world.p.clinician, world.p.client_a, ruptures=[withdrawal_rupture(outcome="unresolved")])
    CareTeamMemberFactory(practice=world.p.practice, client=world.p.client_a, clinician=world.p.clinician2)
    signed_note(world.p.clinician2, world.p.client_a, ruptures=[withdrawal_rupture(outcome="partial")])


def _actor(world, who: str):
    return getattr(world.p, who).membership


@pytest.mark.parametrize("who", READERS)
def test_ruptures_through_the_signed_notes_are_those_through_the_scope(world, who):
    _history(world)
    actor, client = _actor(world, who), world.p.client_a
    signed = signed_notes_of(actor=actor, client=client, fields=("id",))
    assert signed.ids  # each reader reads something here, so the comparison below means something
    again = set(rupture_list(actor=actor).filter(client=client).values_list("id", flat=True))
    assert set(rupture_list(actor=actor, notes=signed).values_list("id", flat=True)) == again


@pytest.mark.parametrize("who", READERS)
def test_the_open_window_through_the_signed_notes_is_the_same_window(world, who):
    _history(world)
    actor, client = _actor(world, who), world.p.client_a
    signed = signed_notes_of(actor=actor, client=client, fields=("id",))
    fields = ("id", "note_id", "open_count")
    fresh = list(open_rupture_window(actor=actor, client=client).values(*fields))
    assert len(fresh) > 1
    assert list(open_rupture_window(actor=actor, client=client, notes=signed).values(*fields)) == fresh
    before = fresh[0]["id"]
    paged = list(open_rupture_window(actor=actor, client=client, before=before).values(*fields))
    assert list(open_rupture_window(actor=actor, client=client, before=before, notes=signed).values(*fields)) == paged


def test_signed_notes_serve_only_the_actor_and_client_they_were_read_for(world):
    _history(world)
    signed = signed_notes_of(actor=world.p.clinician.membership, client=world.p.client_a, fields=("id",))
    with pytest.raises(ValueError):
        rupture_list(actor=world.p.supervisor.membership, notes=signed)
    with pytest.raises(ValueError):
        open_rupture_window(actor=world.p.clinician.membership, client=world.p.client_b, notes=signed)


@pytest.mark.parametrize("who", ("clinician", "supervisor"))
def test_the_prep_page_read_answers_and_audits_as_its_two_reads(world, who):
    _history(world)
    actor, client = _actor(world, who), world.p.client_a

    def events_since(last: int) -> list[tuple]:  # the trail is append-only: read what came after `last`
        rows = AuditEvent.objects.filter(pk__gt=last).order_by("id")
        return [(e.actor_id, e.action, e.object_type, e.object_id, e.detail) for e in rows]

    start = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    (prep,) = reads.session_prep_read(actor=actor, clients=[client], free_text=False, open_limit=3)
    summary = reads.timeline_summary_read(actor=actor, client=client)
    separate = events_since(start)
    middle = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    assert reads.session_prep_page_read(actor=actor, client=client, open_limit=3) == (prep, summary)
    assert events_since(middle) == separate
    assert [e[2] for e in separate] == ["notes.session_prep", "notes.timeline"]
