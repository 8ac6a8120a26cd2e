"""The five roles of ACCESS.md, and the groups of them that the code asks about."""

ADMIN = "admin"
FRONT_DESK = "front_desk"
CLINICIAN = "clinician"
SUPERVISOR = "supervisor"
CLIENT = "client"

ROLE_CHOICES = [
    (ADMIN, "Administrator"),
    (FRONT_DESK, "Front desk"),
    (CLINICIAN, "Clinician"),
    (SUPERVISOR, "Supervisor"),
    (CLIENT, "Client"),
]
ALL_ROLES = frozenset(r for r, _ in ROLE_CHOICES)
STAFF_ROLES = frozenset({ADMIN, FRONT_DESK, CLINICIAN, SUPERVISOR})
CLINICAL_ROLES = frozenset({CLINICIAN, SUPERVISOR})
# A supervisor is a clinician who supervises: the role never stands alone.
ROLES_NEEDING_CLINICIAN_PROFILE = CLINICAL_ROLES
