"""Moved to core.contention; deleted with the import rewrite that follows."""

from core.contention import DEADLOCK_DETECTED, contended, is_contention, retry_on_contention

__all__ = ["DEADLOCK_DETECTED", "contended", "is_contention", "retry_on_contention"]
