"""Intake test data. Packets go through the real service (so responses pin real versions)."""

from __future__ import annotations

from intake.models import FormDefinition, Packet
from intake.services.forms import builtins_seed
from intake.services.packets import packet_assign
from practice.models import Client, Membership


def seeded(practice) -> dict[str, FormDefinition]:
    builtins_seed(practice=practice)
    return {f.slug: f for f in FormDefinition.objects.filter(practice=practice)}


def packet_for(client: Client, *slugs: str, actor: Membership | None = None, send_invitation: bool = False) -> Packet:
    forms = seeded(client.practice)
    if actor is None:
        actor = Membership.objects.filter(practice=client.practice, roles__contains=["front_desk"]).first()
    return packet_assign(actor=actor, client=client, forms=[forms[s] for s in slugs], send_invitation=send_invitation)


def phq9_answers(item_values: list[int]) -> dict:
    return {f"phq9_{i}": v for i, v in enumerate(item_values, start=1)}


SIMPLE_FORM = {
    "title": "Check-in",
    "sections": [
        {
            "id": "main",
            "questions": [
                {
                    "id": "mood",
                    "type": "scale",
                    "label": "Mood today",
                    "min": 0,
                    "max": 10,
                    "required": True,
                    "anchors": {"0": "Low", "10": "Great"},
                },
                {"id": "worse", "type": "yes_no", "label": "Anything worse this week?", "required": True},
                {
                    "id": "what",
                    "type": "long_text",
                    "label": "What got worse?",
                    "required": True,
                    "show_if": {"question": "worse", "equals": True},
                },
                {"id": "when", "type": "date", "label": "Since when?"},
                {"id": "hours", "type": "number", "label": "Hours of sleep", "min": 0, "max": 24},
                {
                    "id": "topics",
                    "type": "multiple_choice",
                    "label": "Topics",
                    "choices": [{"value": "work", "label": "Work"}, {"value": "family", "label": "Family"}],
                },
                {"id": "name", "type": "short_text", "label": "Name", "max_length": 20},
            ],
        }
    ],
}
