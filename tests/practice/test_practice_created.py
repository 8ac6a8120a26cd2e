"""Creating a practice seeds each app's built-ins through `practice_created` (practice/signals.py), which
practice sends without importing the apps; in the same transaction, so a seed that fails leaves no practice."""

from __future__ import annotations

import pytest

from intake.models import FormDefinition
from notes.models import NoteTemplate, RuptureMarker
from notes.selectors import rupture_marker_list
from practice.models import Invitation, Practice
from practice.services.practices import practice_create
from practice.signals import practice_created
from tests.factories.practice import MembershipFactory, PracticeFactory


def test_a_new_practice_has_the_built_in_forms_and_the_taxonomy(db):
    practice, _ = practice_create(name="Hillside", time_zone="UTC", admin_email="a@hillside.test")
    assert FormDefinition.objects.filter(practice=practice, builtin=True).exists()
    assert RuptureMarker.objects.filter(practice=practice).exists()


def test_a_seed_that_fails_leaves_no_practice(db):
    def broken_seed(*, practice, **kwargs):
        raise RuntimeError("seed failed")

    practice_created.connect(broken_seed, dispatch_uid="test-broken-seed")
    try:
        with pytest.raises(RuntimeError, match="seed failed"):
            practice_create(name="Brookside", time_zone="UTC", admin_email="a@brookside.test")
    finally:
        practice_created.disconnect(dispatch_uid="test-broken-seed")
    assert not Practice.objects.filter(slug="brookside").exists()
    assert not Invitation.objects.filter(email="a@brookside.test").exists()
    assert not FormDefinition.objects.filter(practice__slug="brookside").exists()
    assert not RuptureMarker.objects.filter(practice__slug="brookside").exists()


def test_every_practice_row_has_its_taxonomy_from_its_creation(db):
    practice = PracticeFactory()  # not through practice_create: the taxonomy comes with the row itself
    assert RuptureMarker.objects.filter(practice=practice).exists()
    assert NoteTemplate.objects.filter(practice=practice).exists()
    admin = MembershipFactory(practice=practice, roles=["admin"])
    assert rupture_marker_list(actor=admin).exists()
