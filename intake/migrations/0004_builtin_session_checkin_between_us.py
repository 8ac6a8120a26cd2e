# The built-in session check-in (the 4-item alliance check) gains the client's side of the relationship: whether
# there was a moment of strain with the therapist, whether it was talked through, and an optional note for next
# time (unscored: the score stays the alliance total). A published version is frozen, so a practice seeded earlier
# gets a new published version, with its own alliance cutoff kept; its responses keep the version they answered.
# Only a built-in still as Attune shipped it is changed: a practice that edited its copy (or has a draft open)
# keeps what it has (its check-ins then carry no strain question, and show no client view beside the note).
#
# The contents are frozen here (not imported from intake/builtins.py), as in 0002.

from django.db import migrations
from django.utils import timezone

ALLIANCE_ITEMS = [
    ("alliance_heard", "I felt heard, understood and respected", "I did not", "I did"),
    ("alliance_goals", "We worked on what I wanted to work on", "We did not", "We did"),
    ("alliance_approach", "The way we worked today fits me", "It did not fit", "It fit well"),
    ("alliance_overall", "Overall, today's session was right for me", "Something was missing", "It was right"),
]
BETWEEN_US = {
    "id": "between_us",
    "questions": [
        {
            "id": "felt_strain",
            "type": "single_choice",
            "label": "Was there a moment today when you felt misunderstood, pushed, or distant from your therapist?",
            "required": True,
            "choices": [
                {"value": "no", "label": "No"},
                {"value": "a_little", "label": "A little"},
                {"value": "somewhat", "label": "Somewhat"},
                {"value": "a_lot", "label": "A lot"},
            ],
        },
        {
            "id": "talked_through",
            "type": "single_choice",
            "label": "How much did you and your therapist talk it through?",
            "required": True,
            "choices": [
                {"value": "not_at_all", "label": "Not at all"},
                {"value": "a_little", "label": "A little"},
                {"value": "mostly", "label": "Mostly"},
                {"value": "fully", "label": "Fully"},
            ],
            "show_if": {"question": "felt_strain", "in": ["a_little", "somewhat", "a_lot"]},
        },
        {
            "id": "for_next_time",
            "type": "long_text",
            "label": "Anything you want your therapist to know before next time?",
            "max_length": 2000,
        },
    ],
}


def _content(cutoff, *, between_us):
    sections = [
        {
            "id": "alliance",
            "questions": [
                {
                    "id": qid,
                    "type": "scale",
                    "label": label,
                    "required": True,
                    "min": 0,
                    "max": 10,
                    "anchors": {"0": low, "10": high},
                }
                for qid, label, low, high in ALLIANCE_ITEMS
            ],
        }
    ]
    if between_us:
        sections.append(BETWEEN_US)
    return {
        "title": "Session check-in",
        "instructions": "How was today's session for you? There are no wrong answers; your therapist wants to know.",
        "sections": sections,
        "scoring": {
            "method": "sum",
            "items": [i[0] for i in ALLIANCE_ITEMS],
            "range": {"min": 0, "max": 40},
            "bands": [
                {"min": 0, "max": cutoff - 1, "label": "Possible alliance concern"},
                {"min": cutoff, "max": 40, "label": "Alliance on track"},
            ],
            "flags": [
                {
                    "code": "alliance_low",
                    "source": "total",
                    "op": "lt",
                    "value": cutoff,
                    "label": f"Session check-in total below {cutoff}",
                }
            ],
        },
    }


def _cutoff_of(content):
    try:
        value = content["scoring"]["flags"][0]["value"]
    except (KeyError, IndexError, TypeError):
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def add_between_us(apps, schema_editor):
    FormDefinition = apps.get_model("intake", "FormDefinition")
    FormVersion = apps.get_model("intake", "FormVersion")
    now = timezone.now()
    for form in FormDefinition.objects.filter(builtin=True, slug="session-check-in"):
        versions = FormVersion.objects.filter(form=form)
        if versions.filter(status="draft").exists():
            continue  # the practice is editing it: theirs to finish
        latest = versions.filter(status="published").order_by("-number").first()
        cutoff = _cutoff_of(latest.content) if latest else None
        if cutoff is None or latest.content != _content(cutoff, between_us=False):
            continue  # already current, or changed by the practice
        FormVersion.objects.create(
            practice_id=form.practice_id,
            form=form,
            number=versions.order_by("-number").values_list("number", flat=True).first() + 1,
            status="published",
            content=_content(cutoff, between_us=True),
            published_at=now,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0003_session_checkin"),
    ]

    operations = [
        # Published versions cannot be deleted (a trigger), so there is nothing to undo.
        migrations.RunPython(add_between_us, migrations.RunPython.noop),
    ]
