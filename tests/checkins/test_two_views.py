"""Both sides together: the note's ruptures beside the client's check-in, each disagreement named; session prep
shows the latest check-in first; caseload attention lists an unrepaired strain; the timeline counts agreement."""

from __future__ import annotations

import pytest

from intake.models import SessionCheckIn
from notes import checkins as relational
from notes import prep as prep_selectors
from notes import timeline as timeline_selectors
from tests.checkins.helpers import answer, complete, session
from tests.factories.notes import signed_note, withdrawal_rupture

pytestmark = pytest.mark.django_db


def _session_with(world, *, ruptures=None, days_ago=1, note=True, **answers):
    """A completed session, its check-in answered as given, and (if `note`) its signed note with `ruptures`."""
    appointment = session(world, days_ago=days_ago)
    complete(world, appointment)
    checkin = answer(SessionCheckIn.objects.get(appointment=appointment), **answers)
    if note:
        signed_note(
            world.p.clinician,
            world.p.client_a,
            appointment=appointment,
            session_at=appointment.starts_at,
            ruptures=ruptures or [],
        )
    return checkin


def _codes(row):
    return [d["code"] for d in row["disagreements"]]


def _only_row(world):
    [row] = relational.client_two_views(actor=world.p.members["clinician"], client=world.p.client_a)
    return row


def test_strain_not_in_note(world):
    _session_with(world, felt_strain="somewhat", talked_through="not_at_all", for_next_time="You seemed rushed.")
    row = _only_row(world)
    assert _codes(row) == ["strain_not_in_note"] and row["agree"] is False
    assert row["client_view"]["for_next_time"] == "You seemed rushed."
    assert "does not record" in row["disagreements"][0]["text"]


def test_repaired_but_not_talked_through(world):
    _session_with(
        world, ruptures=[withdrawal_rupture(outcome="repaired")], felt_strain="a_lot", talked_through="a_little"
    )
    row = _only_row(world)
    assert _codes(row) == ["repaired_but_not_talked_through"]
    assert row["note_view"]["ruptures"] == 1 and row["note_view"]["repaired"] == 1


def test_rupture_not_felt(world):
    _session_with(world, ruptures=[withdrawal_rupture()], felt_strain="no")
    assert _codes(_only_row(world)) == ["rupture_not_felt"]


@pytest.mark.parametrize(
    ("ruptures", "answers"),
    [
        ([], {"felt_strain": "no"}),
        ([withdrawal_rupture(outcome="repaired")], {"felt_strain": "a_little", "talked_through": "fully"}),
        ([withdrawal_rupture(outcome="partial")], {"felt_strain": "a_lot", "talked_through": "not_at_all"}),
    ],
)
def test_the_two_views_agree(world, ruptures, answers):
    _session_with(world, ruptures=ruptures, **answers)
    row = _only_row(world)
    assert row["disagreements"] == [] and row["agree"] is True


def test_no_note_yet_is_not_a_disagreement(world):
    _session_with(world, note=False, felt_strain="a_lot", talked_through="not_at_all")
    row = _only_row(world)
    assert row["agree"] is None and row["note_view"] is None and row["disagreements"] == []


def test_session_prep_shows_the_latest_checkin_with_words_and_disagreement_first(world):
    _session_with(world, days_ago=8, felt_strain="no")
    _session_with(world, days_ago=1, felt_strain="a_lot", talked_through="not_at_all", for_next_time="I felt judged.")
    prep = prep_selectors.session_prep(actor=world.p.members["clinician"], client=world.p.client_a)
    assert list(prep)[:2] == ["client", "latest_checkin"]
    latest = prep["latest_checkin"]
    assert list(latest)[0] == "disagreements" and _codes(latest) == ["strain_not_in_note"]
    assert latest["client_view"]["for_next_time"] == "I felt judged."


def test_caseload_attention_lists_an_unrepaired_strain_in_words(world):
    _session_with(world, note=False, felt_strain="somewhat", talked_through="a_little")
    [row] = prep_selectors.caseload_attention(actor=world.p.members["clinician"])
    assert row["client"] == world.p.client_a.pk and row["reasons"] == ["checkin_unrepaired_strain"]
    assert "felt a strain (somewhat)" in row["checkin"]["reason_text"]
    assert "talked through a little" in row["checkin"]["reason_text"]


def test_caseload_attention_looks_at_the_latest_checkin_only(world):
    _session_with(world, days_ago=8, note=False, felt_strain="a_lot", talked_through="not_at_all")
    _session_with(world, days_ago=1, note=False, felt_strain="a_little", talked_through="mostly")
    assert prep_selectors.caseload_attention(actor=world.p.members["clinician"]) == []


def test_the_timeline_sets_each_checkin_beside_its_session_and_counts_agreement(world):
    _session_with(world, days_ago=15, felt_strain="no")  # agree
    _session_with(world, days_ago=8, ruptures=[withdrawal_rupture()], felt_strain="no")  # rupture_not_felt
    _session_with(world, days_ago=1, note=False, felt_strain="a_lot", talked_through="not_at_all")
    timeline = timeline_selectors.client_timeline(actor=world.p.members["clinician"], client=world.p.client_a)
    assert [(s["checkin"] or {}).get("agree") for s in timeline["sessions"]] == [True, False]
    assert len(timeline["checkins_without_note"]) == 1
    two = timeline["summary"]["two_views"]
    assert (two["checkins_answered"], two["compared"], two["agree"], two["agreement_rate"]) == (3, 2, 1, 0.5)
    assert two["disagreements"] == {
        "strain_not_in_note": 0,
        "repaired_but_not_talked_through": 0,
        "rupture_not_felt": 1,
    }
    assert two["unrepaired_strains"] == 1


def test_another_clinicians_client_has_no_checkins_in_scope(world):
    _session_with(world, felt_strain="a_lot", talked_through="not_at_all")
    assert relational.client_two_views(actor=world.p.clinician2.membership, client=world.p.client_a) == []
    assert (
        relational.caseload_checkin_attention(actor=world.p.clinician2.membership, client_ids=[world.p.client_a.pk])
        == {}
    )
