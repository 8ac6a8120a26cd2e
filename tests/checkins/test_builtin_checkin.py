"""The session check-in built-in: the alliance items (still the score) and the client's view of a moment of
strain, conditional and unscored; brought to practices seeded earlier as a new published version."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from intake import builtins, definitions, scoring
from intake.models import FormDefinition, FormVersion
from tests.factories.practice import PracticeFactory

migration = importlib.import_module("intake.migrations.0004_builtin_session_checkin_between_us")
ALLIANCE = {"alliance_heard": 9, "alliance_goals": 9, "alliance_approach": 9, "alliance_overall": 8}


@pytest.mark.parametrize("cutoff", [36, 30])
def test_the_frozen_copy_is_the_builtin(cutoff):
    assert migration._content(cutoff, between_us=True) == builtins.alliance_check(cutoff=cutoff)
    assert definitions.validate_definition(builtins.alliance_check(cutoff=cutoff), is_measure=True) == {}


def test_talked_through_is_asked_only_after_a_strain_and_nothing_new_is_scored():
    content = builtins.alliance_check()
    kept, errors = definitions.check_submission(content, {**ALLIANCE, "felt_strain": "somewhat"})
    assert "answers.talked_through" in errors
    kept, errors = definitions.check_submission(content, {**ALLIANCE, "felt_strain": "no", "talked_through": "fully"})
    assert not errors and "talked_through" not in kept  # hidden by its condition: dropped
    assert scoring.score(content, kept)["total"] == 35


def _v1(practice, content):
    form = FormDefinition.objects.create(
        practice=practice, slug="session-check-in", name="Session check-in", kind="measure", builtin=True
    )
    FormVersion.objects.create(
        practice=practice, form=form, number=1, status="published", content=content, published_at=timezone.now()
    )
    return form


@pytest.mark.django_db
def test_the_migration_upgrades_an_untouched_builtin_only_and_keeps_its_cutoff():
    untouched = _v1(PracticeFactory(slug="a"), migration._content(30, between_us=False))
    edited = _v1(PracticeFactory(slug="b"), {**migration._content(36, between_us=False), "title": "Ours"})
    migration.add_between_us(apps, None)
    migration.add_between_us(apps, None)  # twice: still one new version
    assert untouched.versions.count() == 2
    assert untouched.latest_published.content == builtins.alliance_check(cutoff=30)
    assert edited.versions.count() == 1
