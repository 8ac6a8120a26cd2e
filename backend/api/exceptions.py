"""Moved to core.errors (no DRF there); deleted with the import rewrite that follows."""

from core.errors import Conflict, DomainError, InvalidTransition, NotAllowed

__all__ = ["Conflict", "DomainError", "InvalidTransition", "NotAllowed"]
