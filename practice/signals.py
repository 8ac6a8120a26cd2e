"""What practice tells the apps that build on it, without importing them (the practice contract in
pyproject.toml lists no exception).

`practice_created` is sent by `practice.services.practices.practice_create`, inside its transaction, once the
practice row exists: each app that keeps per-practice built-ins connects a receiver in its AppConfig.ready
(intake: the built-in forms). The notes taxonomy is an invariant of every practice row, however it is created,
so notes seeds it on the Practice's own post_save (notes/apps.py), in the same transaction. It is sent with `send`,
not `send_robust`, so a receiver that raises rolls the whole creation back: there is never a practice without its
built-ins.
"""

from __future__ import annotations

from django.dispatch import Signal

# Keyword argument: practice (practice.models.Practice, saved).
practice_created = Signal()
