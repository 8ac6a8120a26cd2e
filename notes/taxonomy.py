"""Default taxonomy and templates each practice starts with (practice-editable afterwards).

Markers and strategies follow the Rupture Resolution Rating System (3RS; Eubanks, Muran &
Safran, 2015) as recalled in shared/DOMAIN.md; the lists differ between editions, which is
why they are data with stable codes and not an enum. Codes never change once shipped: a
practice renames labels or adds entries of its own.
"""

WITHDRAWAL = "withdrawal"
CONFRONTATION = "confrontation"

MARKERS: list[tuple[str, str, str]] = [
    # (family, code, label)
    (WITHDRAWAL, "wd_denial", "Denial"),
    (WITHDRAWAL, "wd_minimal_response", "Minimal response"),
    (WITHDRAWAL, "wd_abstract_communication", "Abstract communication"),
    (WITHDRAWAL, "wd_avoidant_storytelling", "Avoidant storytelling or shifting the topic"),
    (WITHDRAWAL, "wd_deferential_appeasing", "Deferential or appeasing"),
    (WITHDRAWAL, "wd_content_affect_split", "Content/affect split"),
    (WITHDRAWAL, "wd_self_criticism_hopelessness", "Self-criticism or hopelessness"),
    (CONFRONTATION, "co_complaint_therapist", "Complaints or concerns about the therapist"),
    (CONFRONTATION, "co_complaint_activities", "Complaints or concerns about the activities of therapy"),
    (CONFRONTATION, "co_complaint_parameters", "Complaints or concerns about the parameters of therapy"),
    (CONFRONTATION, "co_complaint_progress", "Complaints or concerns about progress"),
    (CONFRONTATION, "co_rejects_intervention", "Rejecting an intervention"),
    (CONFRONTATION, "co_defends_self", "Defending oneself against the therapist"),
    (CONFRONTATION, "co_controlling_pressuring", "Efforts to control or pressure the therapist"),
]

IMMEDIATE = "immediate"
EXPRESSIVE = "expressive"

STRATEGIES: list[tuple[str, str, str]] = [
    # (approach, code, label): immediate/indirect repair addresses the surface; expressive/direct
    # repair (metacommunication) explores what is happening between client and therapist.
    (IMMEDIATE, "rs_clarify_misunderstanding", "Clarifying a misunderstanding"),
    (IMMEDIATE, "rs_change_tasks_goals", "Changing tasks or goals"),
    (IMMEDIATE, "rs_illustrate_rationale", "Illustrating a task or giving a rationale"),
    (IMMEDIATE, "rs_validate_defense", "Validating the client's defensive posture"),
    (IMMEDIATE, "rs_redirect", "Redirecting or refocusing"),
    (EXPRESSIVE, "rs_invite_feelings_about_therapy", "Inviting thoughts or feelings about the therapist or therapy"),
    (EXPRESSIVE, "rs_acknowledge_contribution", "Acknowledging one's own contribution to the rupture"),
    (EXPRESSIVE, "rs_disclose_experience", "Disclosing one's own internal experience of the interaction"),
    (EXPRESSIVE, "rs_link_to_patterns", "Linking the rupture to larger interpersonal patterns"),
    (EXPRESSIVE, "rs_metacommunication", "Metacommunication about the here-and-now of the relationship"),
]

# Templates as data: sections are {key, label, required}. Risk assessment and rupture events are
# structured fields of every note; `has_ruptures` says whether the template shows the rupture list.
TEMPLATES: list[dict] = [
    {
        "code": "relational",
        "name": "Relational session note",
        "is_default": True,
        "has_ruptures": True,
        "sections": [
            {"key": "focus", "label": "What the session focused on", "required": True},
            {"key": "process", "label": "The process between us (including my own felt response)", "required": True},
            {"key": "presentation", "label": "Client's presentation", "required": False},
            {"key": "interventions", "label": "Interventions", "required": False},
            {"key": "plan", "label": "Plan", "required": True},
        ],
    },
    {
        "code": "soap",
        "name": "SOAP",
        "is_default": False,
        "has_ruptures": True,
        "sections": [
            {"key": "subjective", "label": "Subjective", "required": True},
            {"key": "objective", "label": "Objective", "required": True},
            {"key": "assessment", "label": "Assessment", "required": True},
            {"key": "plan", "label": "Plan", "required": True},
        ],
    },
    {
        "code": "dap",
        "name": "DAP",
        "is_default": False,
        "has_ruptures": True,
        "sections": [
            {"key": "data", "label": "Data", "required": True},
            {"key": "assessment", "label": "Assessment", "required": True},
            {"key": "plan", "label": "Plan", "required": True},
        ],
    },
    {
        "code": "birp",
        "name": "BIRP",
        "is_default": False,
        "has_ruptures": True,
        "sections": [
            {"key": "behavior", "label": "Behavior", "required": True},
            {"key": "intervention", "label": "Intervention", "required": True},
            {"key": "response", "label": "Response", "required": True},
            {"key": "plan", "label": "Plan", "required": True},
        ],
    },
]


def seed_practice(practice_id: int, *, RuptureMarker, RepairStrategy, NoteTemplate) -> None:
    """Insert the defaults a practice lacks; never touches rows that exist (the practice may have edited them).

    Takes the model classes so the data migration can pass its historical models.
    """
    RuptureMarker.objects.bulk_create(
        [
            RuptureMarker(practice_id=practice_id, family=f, code=c, label=label, sort_order=i)
            for i, (f, c, label) in enumerate(MARKERS)
        ],
        ignore_conflicts=True,
    )
    RepairStrategy.objects.bulk_create(
        [
            RepairStrategy(practice_id=practice_id, approach=a, code=c, label=label, sort_order=i)
            for i, (a, c, label) in enumerate(STRATEGIES)
        ],
        ignore_conflicts=True,
    )
    NoteTemplate.objects.bulk_create(
        [
            NoteTemplate(
                practice_id=practice_id,
                code=t["code"],
                name=t["name"],
                is_default=t["is_default"],
                has_ruptures=t["has_ruptures"],
                sections=t["sections"],
                sort_order=i,
            )
            for i, t in enumerate(TEMPLATES)
        ],
        ignore_conflicts=True,
    )
