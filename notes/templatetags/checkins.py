"""The client's check-in answers in words on the therapist's pages (notes/checkins.py holds the wording)."""

from __future__ import annotations

from django import template

from notes.checkins import felt_strain_words, talked_through_words

register = template.Library()

register.filter("felt_strain_words", felt_strain_words)
register.filter("talked_through_words", talked_through_words)
