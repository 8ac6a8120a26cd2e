from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import AppConfig

if TYPE_CHECKING:
    from practice.models import Practice


def _seed_taxonomy(*, practice: Practice, **kwargs: Any) -> None:
    # Not at module level: an AppConfig module is imported before the models are loaded.
    from notes.services import taxonomy_seed

    taxonomy_seed(practice=practice)


class NotesConfig(AppConfig):
    name = "notes"

    def ready(self) -> None:
        # imported in ready(): other modules load once the app registry is ready (Django's rule for AppConfig)
        from notes import messages, nav  # noqa: F401  (nav: the therapist's and the supervisor's pages)
        from practice.signals import practice_created

        # A new practice starts with the rupture/repair taxonomy (practice/signals.py: same transaction, or none).
        practice_created.connect(_seed_taxonomy, dispatch_uid="notes-seed-taxonomy")
        messages.register()  # the overdue-note notice, in the outbox's registry
