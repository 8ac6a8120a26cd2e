"""The forms and measures every practice starts with, as data (the same shape a practice writes).

PHQ-9 and GAD-7 are free to reproduce (Pfizer): their items, stems and answer options are the published wording,
word for word, and so is the unscored difficulty question both forms end with; their scoring and bands follow
../shared/DOMAIN.md. A change to a built-in reaches practices seeded earlier only as a new published version
(a data migration, as intake/migrations/0002_builtin_measures_official_wording.py): a published version is frozen.
The session check-in is Attune's own wording: a 4-item alliance check in the spirit of the Session Rating Scale
(which is copyrighted and not shipped), whose cutoff is configuration (practice.settings["intake"]
["alliance_cutoff"], default 36, a total *below* the cutoff raises a flag), then two unscored questions about a
moment of strain and whether it was talked through, and an optional note for next time (v2 of the built-in:
intake/migrations/0004_builtin_session_checkin_between_us.py). It is sent after each completed session
(intake/services/checkins.py).
"""

from __future__ import annotations

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
# The two instruments' own stems differ by two words: PHQ-9 asks about "any of the following problems", GAD-7 about
# "the following problems" (the Pfizer forms, Kroenke et al. 2001, Spitzer et al. 2006).
PHQ9_STEM = "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
GAD7_STEM = "Over the last 2 weeks, how often have you been bothered by the following problems?"
# Both forms end with this question. It is not part of the score (scoring lists its items), and it is optional:
# it asks only a client who marked any problem.
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


def _difficulty(qid: str) -> dict:
    return {"id": qid, "type": "single_choice", **DIFFICULTY}


def phq9() -> dict:
    ids = [f"phq9_{i}" for i in range(1, 10)]
    return {
        "title": "PHQ-9",
        "instructions": PHQ9_STEM,
        "sections": [
            {
                "id": "phq9",
                "questions": [
                    *(
                        {"id": qid, "type": "single_choice", "label": text, "required": True, "choices": FREQUENCY_0_3}
                        for qid, text in zip(ids, PHQ9_ITEMS, strict=True)
                    ),
                    _difficulty("phq9_difficulty"),
                ],
            }
        ],
        "scoring": {
            "method": "sum",
            "items": ids,
            "range": {"min": 0, "max": 27},
            "bands": [
                {"min": 0, "max": 4, "label": "Minimal"},
                {"min": 5, "max": 9, "label": "Mild"},
                {"min": 10, "max": 14, "label": "Moderate"},
                {"min": 15, "max": 19, "label": "Moderately severe"},
                {"min": 20, "max": 27, "label": "Severe"},
            ],
            # Any answer above 0 to item 9 needs prompt follow-up, whatever the total.
            "flags": [
                {
                    "code": "phq9_item9",
                    "source": "phq9_9",
                    "op": "gt",
                    "value": 0,
                    "label": "PHQ-9 item 9 (thoughts of death or self-harm) answered above 0",
                }
            ],
        },
    }


def gad7() -> dict:
    ids = [f"gad7_{i}" for i in range(1, 8)]
    return {
        "title": "GAD-7",
        "instructions": GAD7_STEM,
        "sections": [
            {
                "id": "gad7",
                "questions": [
                    *(
                        {"id": qid, "type": "single_choice", "label": text, "required": True, "choices": FREQUENCY_0_3}
                        for qid, text in zip(ids, GAD7_ITEMS, strict=True)
                    ),
                    _difficulty("gad7_difficulty"),
                ],
            }
        ],
        "scoring": {
            "method": "sum",
            "items": ids,
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
        },
    }


ALLIANCE_ITEMS = [
    ("alliance_heard", "I felt heard, understood and respected", "I did not", "I did"),
    ("alliance_goals", "We worked on what I wanted to work on", "We did not", "We did"),
    ("alliance_approach", "The way we worked today fits me", "It did not fit", "It fit well"),
    ("alliance_overall", "Overall, today's session was right for me", "Something was missing", "It was right"),
]
# The client's side of the relationship, in Attune's own words (not scored: the alliance items are the score).
# notes/checkins.py reads these ids and values to set the client's view beside the note's ruptures.
FELT_STRAIN = "felt_strain"
TALKED_THROUGH = "talked_through"
FOR_NEXT_TIME = "for_next_time"
FELT_STRAIN_CHOICES = [
    {"value": "no", "label": "No"},
    {"value": "a_little", "label": "A little"},
    {"value": "somewhat", "label": "Somewhat"},
    {"value": "a_lot", "label": "A lot"},
]
TALKED_THROUGH_CHOICES = [
    {"value": "not_at_all", "label": "Not at all"},
    {"value": "a_little", "label": "A little"},
    {"value": "mostly", "label": "Mostly"},
    {"value": "fully", "label": "Fully"},
]


def relational_questions() -> list[dict]:
    return [
        {
            "id": FELT_STRAIN,
            "type": "single_choice",
            "label": "Was there a moment today when you felt misunderstood, pushed, or distant from your therapist?",
            "required": True,
            "choices": FELT_STRAIN_CHOICES,
        },
        {
            "id": TALKED_THROUGH,
            "type": "single_choice",
            "label": "How much did you and your therapist talk it through?",
            "required": True,
            "choices": TALKED_THROUGH_CHOICES,
            "show_if": {"question": FELT_STRAIN, "in": ["a_little", "somewhat", "a_lot"]},
        },
        {
            "id": FOR_NEXT_TIME,
            "type": "long_text",
            "label": "Anything you want your therapist to know before next time?",
            "max_length": 2000,
        },
    ]


def alliance_check(*, cutoff: int = 36) -> dict:
    """The session check-in: the 4-item alliance check (scored) and the client's view of any strain (not scored)."""
    return {
        "title": "Session check-in",
        "instructions": "How was today's session for you? There are no wrong answers; your therapist wants to know.",
        "sections": [
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
            },
            {"id": "between_us", "questions": relational_questions()},
        ],
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


def demographics_history() -> dict:
    return {
        "title": "About you",
        "instructions": "This helps your therapist prepare for your first session. Skip anything you prefer "
        "to talk about in person.",
        "sections": [
            {
                "id": "you",
                "title": "You",
                "questions": [
                    {"id": "full_name", "type": "short_text", "label": "Full name", "required": True},
                    {"id": "preferred_name", "type": "short_text", "label": "Name you would like us to use"},
                    {"id": "pronouns", "type": "short_text", "label": "Pronouns"},
                    {"id": "date_of_birth", "type": "date", "label": "Date of birth", "required": True},
                    {
                        "id": "relationship_status",
                        "type": "single_choice",
                        "label": "Relationship status",
                        "choices": [
                            {"value": "single", "label": "Single"},
                            {"value": "partnered", "label": "In a relationship"},
                            {"value": "married", "label": "Married"},
                            {"value": "separated", "label": "Separated or divorced"},
                            {"value": "widowed", "label": "Widowed"},
                            {"value": "other", "label": "Other"},
                        ],
                    },
                ],
            },
            {
                "id": "history",
                "title": "What brings you here",
                "questions": [
                    {"id": "reason", "type": "long_text", "label": "What would you like help with?", "required": True},
                    {
                        "id": "prior_therapy",
                        "type": "yes_no",
                        "label": "Have you been in therapy before?",
                        "required": True,
                    },
                    {
                        "id": "prior_therapy_experience",
                        "type": "long_text",
                        "label": "What was helpful or unhelpful about it?",
                        "show_if": {"question": "prior_therapy", "equals": True},
                    },
                    {"id": "medications", "type": "yes_no", "label": "Are you currently taking any medication?"},
                    {
                        "id": "medication_list",
                        "type": "long_text",
                        "label": "Which medications?",
                        "show_if": {"question": "medications", "equals": True},
                        "required": True,
                    },
                    {
                        "id": "hopes",
                        "type": "multiple_choice",
                        "label": "What do you hope therapy will help with?",
                        "choices": [
                            {"value": "mood", "label": "Mood"},
                            {"value": "anxiety", "label": "Anxiety or worry"},
                            {"value": "relationships", "label": "Relationships"},
                            {"value": "grief", "label": "Grief or loss"},
                            {"value": "other", "label": "Something else"},
                        ],
                    },
                ],
            },
        ],
    }


CONSENT_TEXT = (
    "Consent for services\n\n"
    "I agree to receive psychotherapy services from this practice. I understand that what I share is "
    "confidential, with the exceptions the law requires: a risk of serious harm to myself or others, "
    "suspected abuse or neglect of a child or vulnerable adult, or a court order. I understand that my "
    "therapist keeps records of our work, that I may ask to see them, and that I may end therapy at any time. "
    "I have read the practice's fee and cancellation policy and its notice of privacy practices, and I have "
    "been able to ask questions about them."
)


def consent_for_services() -> dict:
    return {
        "title": "Consent for services",
        "sections": [
            {
                "id": "consent",
                "questions": [
                    {
                        "id": "consent_services",
                        "type": "consent",
                        "label": "Sign by typing your full name",
                        "text": CONSENT_TEXT,
                        "required": True,
                    },
                ],
            }
        ],
    }


def builtin_definitions(*, alliance_cutoff: int = 36) -> list[dict]:
    """(slug, kind, name, content) of every built-in, in the order a new-client packet lists them."""
    return [
        {
            "slug": "demographics-history",
            "kind": "form",
            "name": "About you (demographics and history)",
            "content": demographics_history(),
        },
        {
            "slug": "consent-for-services",
            "kind": "form",
            "name": "Consent for services",
            "content": consent_for_services(),
        },
        {"slug": "phq-9", "kind": "measure", "name": "PHQ-9", "content": phq9()},
        {"slug": "gad-7", "kind": "measure", "name": "GAD-7", "content": gad7()},
        {
            "slug": "session-check-in",
            "kind": "measure",
            "name": "Session check-in (alliance)",
            "content": alliance_check(cutoff=alliance_cutoff),
        },
    ]


NEW_CLIENT_PACKET = ["demographics-history", "consent-for-services", "phq-9", "gad-7"]
