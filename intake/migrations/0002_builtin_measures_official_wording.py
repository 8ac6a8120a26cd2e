# The built-in PHQ-9 and GAD-7 brought to the published wording (Pfizer forms): GAD-7's stem asks about "the
# following problems" (it said "any of the following problems", the PHQ-9's stem), and both end with their unscored,
# optional difficulty question. A published version is frozen, so a practice seeded earlier gets a new published
# version with the new content, and its responses keep the version they answered. Only a built-in still as Attune
# shipped it is changed: a practice that edited its copy (or has a draft open) keeps what it has.
#
# The contents are frozen here (not imported from intake/builtins.py), so this migration does the same thing
# whatever the built-ins become later.

from django.db import migrations
from django.utils import timezone

FREQUENCY_0_3 = [
    {"value": 0, "label": "Not at all"},
    {"value": 1, "label": "Several days"},
    {"value": 2, "label": "More than half the days"},
    {"value": 3, "label": "Nearly every day"},
]
PHQ9_ITEMS = [
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself \u2014 or that you are a failure or have let yourself or your family down",
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    "Moving or speaking so slowly that other people could have noticed? Or the opposite \u2014 being so fidgety "
    "or restless that you have been moving around a lot more than usual",
    "Thoughts that you would be better off dead or of hurting yourself in some way",
]
GAD7_ITEMS = [
    "Feeling nervous, anxious or on edge",
    "Not being able to stop or control worrying",
    "Worrying too much about different things",
    "Trouble relaxing",
    "Being so restless that it is hard to sit still",
    "Becoming easily annoyed or irritable",
    "Feeling afraid as if something awful might happen",
]
PHQ9_STEM = "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
GAD7_STEM = "Over the last 2 weeks, how often have you been bothered by the following problems?"
DIFFICULTY = {
    "label": "If you checked off any problems, how difficult have these problems made it for you to do your work, "
    "take care of things at home, or get along with other people?",
    "choices": [
        {"value": "not_difficult", "label": "Not difficult at all"},
        {"value": "somewhat", "label": "Somewhat difficult"},
        {"value": "very", "label": "Very difficult"},
        {"value": "extremely", "label": "Extremely difficult"},
    ],
}
PHQ9_SCORING = {
    "method": "sum",
    "items": [f"phq9_{i}" for i in range(1, 10)],
    "range": {"min": 0, "max": 27},
    "bands": [
        {"min": 0, "max": 4, "label": "Minimal"},
        {"min": 5, "max": 9, "label": "Mild"},
        {"min": 10, "max": 14, "label": "Moderate"},
        {"min": 15, "max": 19, "label": "Moderately severe"},
        {"min": 20, "max": 27, "label": "Severe"},
    ],
    "flags": [
        {
            "code": "phq9_item9",
            "source": "phq9_9",
            "op": "gt",
            "value": 0,
            "label": "PHQ-9 item 9 (thoughts of death or self-harm) answered above 0",
        }
    ],
}
GAD7_SCORING = {
    "method": "sum",
    "items": [f"gad7_{i}" for i in range(1, 8)],
    "range": {"min": 0, "max": 21},
    "bands": [
        {"min": 0, "max": 4, "label": "Minimal"},
        {"min": 5, "max": 9, "label": "Mild"},
        {"min": 10, "max": 14, "label": "Moderate"},
        {"min": 15, "max": 21, "label": "Severe"},
    ],
    "flags": [
        {
            "code": "gad7_further_evaluation",
            "source": "total",
            "op": "gte",
            "value": 10,
            "label": "GAD-7 total of 10 or more: further evaluation warranted",
        }
    ],
}


def _measure(title, prefix, items, stem, scoring, *, difficulty):
    questions = [
        {"id": f"{prefix}_{i}", "type": "single_choice", "label": text, "required": True, "choices": FREQUENCY_0_3}
        for i, text in enumerate(items, start=1)
    ]
    if difficulty:
        questions.append({"id": f"{prefix}_difficulty", "type": "single_choice", **DIFFICULTY})
    return {
        "title": title,
        "instructions": stem,
        "sections": [{"id": prefix, "questions": questions}],
        "scoring": scoring,
    }


# slug -> (the content Attune shipped as v1 until now, the published wording)
UPGRADES = {
    "phq-9": (
        _measure("PHQ-9", "phq9", PHQ9_ITEMS, PHQ9_STEM, PHQ9_SCORING, difficulty=False),
        _measure("PHQ-9", "phq9", PHQ9_ITEMS, PHQ9_STEM, PHQ9_SCORING, difficulty=True),
    ),
    "gad-7": (
        _measure("GAD-7", "gad7", GAD7_ITEMS, PHQ9_STEM, GAD7_SCORING, difficulty=False),
        _measure("GAD-7", "gad7", GAD7_ITEMS, GAD7_STEM, GAD7_SCORING, difficulty=True),
    ),
}


def publish_official_wording(apps, schema_editor):
    FormDefinition = apps.get_model("intake", "FormDefinition")
    FormVersion = apps.get_model("intake", "FormVersion")
    now = timezone.now()
    for form in FormDefinition.objects.filter(builtin=True, slug__in=UPGRADES):
        shipped, official = UPGRADES[form.slug]
        versions = FormVersion.objects.filter(form=form)
        if versions.filter(status="draft").exists():
            continue  # the practice is editing it: theirs to finish
        latest = versions.filter(status="published").order_by("-number").first()
        if latest is None or latest.content != shipped:
            continue  # already current, or changed by the practice
        FormVersion.objects.create(
            practice_id=form.practice_id,
            form=form,
            number=versions.order_by("-number").values_list("number", flat=True).first() + 1,
            status="published",
            content=official,
            published_at=now,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0001_initial"),
    ]

    operations = [
        # Published versions cannot be deleted (a trigger), so there is nothing to undo.
        migrations.RunPython(publish_official_wording, migrations.RunPython.noop),
    ]
