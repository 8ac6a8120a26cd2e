from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import AppConfig

if TYPE_CHECKING:
    from practice.models import Practice


def _seed_builtin_forms(*, practice: Practice, **kwargs: Any) -> None:
    # Not at module level: an AppConfig module is imported before the models are loaded.
    from intake.services.forms import builtins_seed

    builtins_seed(practice=practice)


class IntakeConfig(AppConfig):
    name = "intake"

    def ready(self) -> None:
        # imported in ready(): other modules load once the app registry is ready (Django's rule for AppConfig)
        from intake import messages, nav  # noqa: F401  (nav: the admin's forms in the navigation)
        from practice.signals import practice_created

        # A new practice starts with the built-in forms (practice/signals.py: same transaction, or no practice).
        practice_created.connect(_seed_builtin_forms, dispatch_uid="intake-seed-builtin-forms")
        messages.register()  # invitations, nudges, check-ins and risk-flag notices, in the outbox's registry
