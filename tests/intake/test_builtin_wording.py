"""The built-in PHQ-9 and GAD-7 say what the published instruments say, and practices seeded before the wording was
corrected get it as a new published version (intake/migrations/0002_builtin_measures_official_wording.py)."""

import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from intake import builtins, definitions, scoring
from intake.models import FormDefinition, FormVersion
from intake.services.packets import packet_assign
from tests.factories.intake import packet_for, phq9_answers, seeded
from tests.factories.practice import PracticeFactory

migration = importlib.import_module("intake.migrations.0002_builtin_measures_official_wording")

FREQUENCY = ["Not at all", "Several days", "More than half the days", "Nearly every day"]
DIFFICULTY = ["Not difficult at all", "Somewhat difficult", "Very difficult", "Extremely difficult"]


def _questions(content):
    return content["sections"][0]["questions"]


def test_phq9_and_gad7_use_the_published_stems_items_and_answers():
    phq, gad = builtins.phq9(), builtins.gad7()
    stem = "Over the last 2 weeks, how often have you been bothered by"
    assert phq["instructions"] == f"{stem} any of the following problems?"
    assert gad["instructions"] == f"{stem} the following problems?"
    assert _questions(gad)[0]["label"] == "Feeling nervous, anxious or on edge"
    assert _questions(gad)[6]["label"] == "Feeling afraid as if something awful might happen"
    assert _questions(phq)[8]["label"] == (
        "Thoughts that you would be better off dead or of hurting yourself in some way"
    )
    for content, n in ((phq, 9), (gad, 7)):
        items, difficulty = _questions(content)[:n], _questions(content)[n]
        assert [[c["label"] for c in q["choices"]] for q in items] == [FREQUENCY] * n
        assert [[c["value"] for c in q["choices"]] for q in items] == [[0, 1, 2, 3]] * n
        assert all(q["required"] for q in items)
        assert difficulty["label"].startswith("If you checked off any problems, how difficult have these problems")
        assert [c["label"] for c in difficulty["choices"]] == DIFFICULTY
        assert not difficulty.get("required") and difficulty["id"] not in content["scoring"]["items"]


def test_the_difficulty_question_is_optional_and_not_scored():
    content = builtins.phq9()
    kept, errors = definitions.check_submission(content, phq9_answers([1] * 9))
    assert errors == {}
    assert scoring.score(content, {**kept, "phq9_difficulty": "extremely"})["total"] == 9


def _shipped_v1(practice, slug):
    form = FormDefinition.objects.create(practice=practice, slug=slug, name=slug.upper(), kind="measure", builtin=True)
    FormVersion.objects.create(
        practice=practice,
        form=form,
        number=1,
        status="published",
        content=migration.UPGRADES[slug][0],
        published_at=timezone.now(),
    )
    return form


@pytest.mark.django_db
def test_the_migration_publishes_a_new_version_of_an_untouched_builtin_only(world):
    practice = world.p.practice
    phq, gad = _shipped_v1(practice, "phq-9"), _shipped_v1(practice, "gad-7")
    old_response = packet_for(world.p.client_a, "phq-9").responses.get()
    edited_practice = PracticeFactory(slug="edited")
    edited = _shipped_v1(edited_practice, "gad-7")
    edited_content = {**migration.UPGRADES["gad-7"][0], "title": "GAD-7 (our edition)"}
    FormVersion.objects.create(
        practice=edited_practice, form=edited, number=2, status="published", content=edited_content
    )
    drafting = _shipped_v1(PracticeFactory(slug="drafting"), "phq-9")
    FormVersion.objects.create(practice=drafting.practice, form=drafting, number=2, content=builtins.phq9())

    migration.publish_official_wording(apps, None)
    migration.publish_official_wording(apps, None)  # twice: still one new version

    for form, content in ((phq, builtins.phq9()), (gad, builtins.gad7())):
        assert list(form.versions.order_by("number").values_list("number", "status")) == [
            (1, "published"),
            (2, "published"),
        ]
        assert form.latest_published.content == content
    assert edited.latest_published.number == 2 and edited.latest_published.content == edited_content
    assert drafting.versions.count() == 2 and drafting.latest_published.number == 1
    old_response.refresh_from_db()
    assert old_response.version.number == 1  # answered v1: still shows v1's wording
    forms = seeded(practice)  # the seed sees the forms exist and adds nothing
    assert forms["phq-9"].pk == phq.pk
    new = packet_assign(
        actor=world.p.members["front_desk"], client=world.p.client_a, forms=[forms["gad-7"]]
    ).responses.get()
    assert new.version.number == 2 and new.version.content["instructions"] == builtins.GAD7_STEM
