"""Writes for session notes. Every service re-checks the actor; signed notes never change.

- taxonomy: markers, strategies and templates seeded per practice (notes/services/taxonomy.py)
- progress notes: drafts, autosave, ruptures (progress_notes.py); signing, co-signing, addenda (note_signing.py);
  what every note write checks first (note_rules.py)
- psychotherapy notes: author only (psychotherapy.py)
- overdue unsigned notes (overdue.py)
"""

from notes.integrity import content_hash, note_hash_payload
from notes.services.note_signing import addendum_create, progress_note_cosign, progress_note_sign
from notes.services.overdue import (
    DEFAULT_OVERDUE_HOURS,
    notify_author_of_overdue_note,
    overdue_hours,
    overdue_notes_flag,
)
from notes.services.progress_notes import NOTE_EDITABLE, progress_note_create, progress_note_update, rupture_close
from notes.services.psychotherapy import psychotherapy_note_create, psychotherapy_note_delete, psychotherapy_note_update
from notes.services.taxonomy import TAXONOMY_EDITABLE, taxonomy_entry_create, taxonomy_entry_update, taxonomy_seed

__all__ = [
    "DEFAULT_OVERDUE_HOURS",
    "NOTE_EDITABLE",
    "TAXONOMY_EDITABLE",
    "addendum_create",
    "content_hash",
    "note_hash_payload",
    "notify_author_of_overdue_note",
    "overdue_hours",
    "overdue_notes_flag",
    "progress_note_cosign",
    "progress_note_create",
    "progress_note_sign",
    "progress_note_update",
    "psychotherapy_note_create",
    "psychotherapy_note_delete",
    "psychotherapy_note_update",
    "rupture_close",
    "taxonomy_entry_create",
    "taxonomy_entry_update",
    "taxonomy_seed",
]
