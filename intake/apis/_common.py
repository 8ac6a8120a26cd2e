"""Shared by intake's endpoints: role sets, the caller's address."""

from practice import roles

STAFF = roles.STAFF_ROLES
CLINICAL = {roles.CLINICIAN, roles.SUPERVISOR}


def _client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None
