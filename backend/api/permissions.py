"""Coarse gates by role. Selectors scope rows; services re-check on every write.

A view declares `read_roles` and `write_roles` (and may vary them per action through
`action_roles`). Following ACCESS.md:

- a role with no access to the resource gets 403 on the collection and 404 on any
  object (the object is not acknowledged to exist);
- a role that may read but not write gets 403 on writes to objects it can see, and
  404 on objects outside its scope (the selector decides, before this check).
"""

from rest_framework import exceptions
from rest_framework.permissions import SAFE_METHODS, BasePermission


def _roles_for(view, request) -> tuple[frozenset, frozenset]:
    action_roles = getattr(view, "action_roles", {}) or {}
    action = getattr(view, "action", None)
    if action in action_roles:
        roles = frozenset(action_roles[action])
        return roles, roles
    return frozenset(getattr(view, "read_roles", ())), frozenset(getattr(view, "write_roles", ()))


def _is_detail(view) -> bool:
    kwarg = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", "pk")
    return kwarg in getattr(view, "kwargs", {})


class IsPracticeMember(BasePermission):
    message = "You are not a member of this practice."

    def has_permission(self, request, view):
        return getattr(request, "membership", None) is not None


class RolePermission(IsPracticeMember):
    role_message = "Your role in this practice does not allow this."

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        self.message = self.role_message  # from here on a refusal is about the role, not membership
        membership = request.membership
        readers, writers = _roles_for(view, request)
        if not membership.has_role(*(readers | writers)):
            if _is_detail(view):
                raise exceptions.NotFound()
            return False
        if request.method in SAFE_METHODS:
            return membership.has_role(*readers)
        if _is_detail(view):
            return True  # decided per object, once the scoped lookup has found it
        return membership.has_role(*writers)

    def has_object_permission(self, request, view, obj):
        if request.method in SAFE_METHODS:
            return True
        _, writers = _roles_for(view, request)
        return request.membership.has_role(*writers)
