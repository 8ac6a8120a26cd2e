"""What practice tells the apps that build on it, without importing them (the practice contract in
pyproject.toml lists no exception).

`practice_created` is sent by `practice.services.practices.practice_create`, inside its transaction, once the
practice row exists: each app that keeps per-practice built-ins connects a receiver in its AppConfig.ready
(intake: the built-in forms; notes: the rupture/repair taxonomy). It is sent with `send`, not `send_robust`, so a
receiver that raises rolls the whole creation back: there is never a practice without its built-ins.
"""

from __future__ import annotations

from django.dispatch import Signal

# Keyword argument: practice (practice.models.Practice, saved).
practice_created = Signal()
