"""Shared by the schedule's endpoints: role sets, schema fragments, the caller's zone."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from core.errors import DomainError
from practice import roles
from practice.models import validate_time_zone

EVERYONE = roles.ALL_ROLES
STAFF = roles.STAFF_ROLES
SCHEDULERS = {roles.FRONT_DESK, roles.CLINICIAN}
TZ_PARAM = OpenApiParameter(
    "tz",
    OpenApiTypes.STR,
    description="IANA zone for local times in the response (default: a client's own zone, else the practice's).",
)


def _is_client_only(membership) -> bool:
    return membership.has_role(roles.CLIENT) and not membership.is_staff_member


def _response_tz(request) -> str:
    tz = request.query_params.get("tz")
    if tz:
        try:
            validate_time_zone(tz)  # the zone names, read once per process: not a path for ZoneInfo to try
        except ValidationError as exc:
            raise DomainError("Unknown time zone.", fields={"tz": ["Not an IANA zone name."]}) from exc
        return tz
    membership = request.membership
    if _is_client_only(membership):
        record = getattr(membership, "client_record", None)
        if record is not None:
            return record.time_zone
    return membership.practice.time_zone
