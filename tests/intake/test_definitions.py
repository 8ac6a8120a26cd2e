import copy

from intake import builtins, definitions, scoring
from tests.factories.intake import SIMPLE_FORM


def test_every_builtin_is_a_valid_definition():
    for spec in builtins.builtin_definitions():
        errors = definitions.validate_definition(spec["content"], is_measure=spec["kind"] == "measure")
        assert errors == {}, spec["slug"]


def test_schema_rejects_unknown_question_type_and_missing_choices():
    bad = copy.deepcopy(SIMPLE_FORM)
    bad["sections"][0]["questions"].append({"id": "x", "type": "slider", "label": "X"})
    bad["sections"][0]["questions"].append({"id": "y", "type": "single_choice", "label": "Y"})
    errors = definitions.validate_definition(bad)
    assert any("questions.7.type" in k for k in errors)
    assert any("questions.8" in k for k in errors)


def test_show_if_must_refer_to_an_earlier_question():
    bad = copy.deepcopy(SIMPLE_FORM)
    bad["sections"][0]["questions"][0]["show_if"] = {"question": "worse", "equals": True}
    errors = definitions.validate_definition(bad)
    assert errors == {
        "definition.sections.0.questions.0.show_if": ["show_if must refer to a question asked earlier in the form."]
    }


def test_duplicate_ids_and_bad_scoring_items_are_reported():
    bad = copy.deepcopy(SIMPLE_FORM)
    bad["sections"][0]["questions"][1]["id"] = "mood"
    bad["scoring"] = {"method": "sum", "items": ["mood", "name"]}
    errors = definitions.validate_definition(bad)
    assert "definition.sections.0.questions.1.id" in errors
    assert "definition.scoring.items.1" in errors


def test_a_measure_needs_scoring():
    assert "definition.scoring" in definitions.validate_definition(SIMPLE_FORM, is_measure=True)


def test_draft_checks_each_type():
    errors = definitions.check_draft(
        SIMPLE_FORM,
        {
            "mood": 11,
            "worse": "yes",
            "when": "2024-02-30",
            "hours": "8",
            "topics": ["work", "play"],
            "name": "x" * 21,
            "nope": 1,
        },
    )
    assert set(errors) == {f"answers.{k}" for k in ("mood", "worse", "when", "hours", "topics", "name", "nope")}
    assert (
        definitions.check_draft(
            SIMPLE_FORM,
            {"mood": 3, "worse": False, "when": "2024-02-29", "hours": 7.5, "topics": ["family"], "name": "Ana"},
        )
        == {}
    )


def test_submission_requires_conditional_question_only_when_shown():
    kept, errors = definitions.check_submission(SIMPLE_FORM, {"mood": 4, "worse": True})
    assert errors == {"answers.what": ["This question is required."]}
    kept, errors = definitions.check_submission(SIMPLE_FORM, {"mood": 4, "worse": False, "what": "stale"})
    assert errors == {}
    assert "what" not in kept  # an answer to a question no longer asked is dropped


def test_submission_lists_every_missing_required_question():
    _, errors = definitions.check_submission(SIMPLE_FORM, {})
    assert set(errors) == {"answers.mood", "answers.worse"}


def _phq9(values):
    return scoring.score(builtins.phq9(), {f"phq9_{i}": v for i, v in enumerate(values, start=1)})


def test_phq9_bands_at_every_boundary():
    expected = {
        0: "Minimal",
        4: "Minimal",
        5: "Mild",
        9: "Mild",
        10: "Moderate",
        14: "Moderate",
        15: "Moderately severe",
        19: "Moderately severe",
        20: "Severe",
        27: "Severe",
    }
    for total, band in expected.items():
        values, left = [], total
        for _ in range(9):
            values.append(min(3, left))
            left -= values[-1]
        result = _phq9(values)
        assert sum(values) == total and result["total"] == total and result["band"] == band, (total, values)


def test_phq9_item9_above_zero_flags_whatever_the_total():
    result = _phq9([0, 0, 0, 0, 0, 0, 0, 0, 1])
    assert result["total"] == 1 and result["band"] == "Minimal"
    assert [f["code"] for f in result["flags"]] == ["phq9_item9"]
    assert _phq9([3, 3, 3, 3, 3, 3, 3, 3, 0])["flags"] == []


def test_partial_phq9_has_no_total():
    result = scoring.score(builtins.phq9(), {"phq9_1": 3})
    assert result["total"] is None and result["band"] is None and len(result["missing"]) == 8


def test_gad7_bands_and_further_evaluation_flag():
    def gad(values):
        return scoring.score(builtins.gad7(), {f"gad7_{i}": v for i, v in enumerate(values, start=1)})

    assert gad([3, 1, 0, 0, 0, 0, 0])["band"] == "Minimal"
    assert gad([3, 2, 0, 0, 0, 0, 0])["band"] == "Mild"
    nine = gad([3, 3, 3, 0, 0, 0, 0])
    assert nine["band"] == "Mild" and nine["flags"] == []
    ten = gad([3, 3, 3, 1, 0, 0, 0])
    assert ten["band"] == "Moderate" and [f["code"] for f in ten["flags"]] == ["gad7_further_evaluation"]
    assert gad([3, 3, 3, 3, 3, 0, 0])["band"] == "Severe"
    assert gad([3] * 7)["total"] == 21


def test_alliance_cutoff_is_configuration():
    answers = {"alliance_heard": 9, "alliance_goals": 9, "alliance_approach": 9, "alliance_overall": 8}  # 35
    assert [f["code"] for f in scoring.score(builtins.alliance_check(), answers)["flags"]] == ["alliance_low"]
    assert scoring.score(builtins.alliance_check(cutoff=35), answers)["flags"] == []
    answers["alliance_overall"] = 9  # 36: not below the default cutoff
    assert scoring.score(builtins.alliance_check(), answers)["flags"] == []


def test_subscales_are_summed():
    content = copy.deepcopy(SIMPLE_FORM)
    content["scoring"] = {
        "method": "sum",
        "items": ["mood", "hours"],
        "subscales": {"sleep": ["hours"]},
        "flags": [{"code": "short_sleep", "source": "subscale:sleep", "op": "lt", "value": 5, "label": "Short sleep"}],
    }
    assert definitions.validate_definition(content) == {}
    result = scoring.score(content, {"mood": 5, "hours": 4})
    assert result["total"] == 9 and result["subscales"] == {"sleep": 4}
    assert [f["code"] for f in result["flags"]] == ["short_sleep"]
