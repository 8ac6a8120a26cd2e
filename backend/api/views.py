"""The base every practice-scoped API view builds on.

It resolves *which membership* the caller acts through before any permission runs:
the practice comes from the `X-Practice` header (the practice's slug) and may be left
out by a user who belongs to exactly one practice.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions

from practice.models import Membership

PRACTICE_HEADER = OpenApiParameter(
    name="X-Practice",
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description="Slug of the practice to act in. Required when the user belongs to more than one practice.",
)


def resolve_membership(request) -> Membership | None:
    user = request.user
    if not user or not user.is_authenticated:
        return None
    memberships = Membership.objects.select_related("practice", "user").filter(user=user, is_active=True)
    slug = request.headers.get("X-Practice", "").strip()
    if slug:
        membership = memberships.filter(practice__slug=slug).first()
        if membership is None:
            # Same answer whether the practice exists or not: no enumeration of tenants.
            raise exceptions.PermissionDenied("You are not a member of that practice.")
        return membership
    found = list(memberships[:2])
    if len(found) == 1:
        return found[0]
    if not found:
        raise exceptions.PermissionDenied("You are not a member of any practice.")
    raise exceptions.ValidationError({"X-Practice": ["You belong to several practices: name one in this header."]})


class PracticeScopedMixin:
    """Sets `request.membership` after authentication and before permissions and throttles."""

    def initial(self, request, *args, **kwargs):
        self.perform_authentication(request)
        request.membership = resolve_membership(request)
        super().initial(request, *args, **kwargs)
