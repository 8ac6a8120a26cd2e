"""Matrix rows for the practice app: practice settings, staff, clinicians, clients, care teams,
supervision, invitations, audit, and the authentication endpoints."""

from tests.access.matrix import Row

STAFF_ALL = {"admin": 200, "front_desk": 200, "clinician": 200, "supervisor": 200}
CLINICAL_FIELDS_NEVER = {"license_number", "email"}  # what a client must not see of their clinicians


def _new_client(world, actor, scope):
    return {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.test", "time_zone": "Europe/London"}


ROWS = [
    # --- authentication: public endpoints answer the same to everyone -------------------------------
    Row(
        "POST",
        "/api/v1/auth/login/",
        expect={a: 400 for a in ("admin", "front_desk", "clinician", "supervisor", "client", "anonymous")},
        payload=lambda w, a, s: {"email": "nobody@example.test", "password": "wrong-password-123"},
        note="wrong credentials: 400 for everyone, whatever token they send",
    ),
    Row(
        "POST",
        "/api/v1/auth/logout/",
        expect={
            **STAFF_ALL,
            "client": 204,
            "admin": 204,
            "front_desk": 204,
            "clinician": 204,
            "supervisor": 204,
            "anonymous": 401,
        },
    ),
    Row(
        "POST",
        "/api/v1/auth/logoutall/",
        expect={"admin": 204, "front_desk": 204, "clinician": 204, "supervisor": 204, "client": 204, "anonymous": 401},
    ),
    Row("GET", "/api/v1/auth/me/", expect={**STAFF_ALL, "client": 200, "anonymous": 401}),
    Row(
        "POST",
        "/api/v1/auth/password-reset/",
        expect={a: 202 for a in ("admin", "front_desk", "clinician", "supervisor", "client", "anonymous")},
        payload=lambda w, a, s: {"email": "nobody@example.test"},
    ),
    Row(
        "POST",
        "/api/v1/auth/password-reset/confirm/",
        expect={a: 400 for a in ("admin", "front_desk", "clinician", "supervisor", "client", "anonymous")},
        payload=lambda w, a, s: {"uid": "MQ", "token": "bad-token", "new_password": "a-New-passw0rd!"},
    ),
    Row(
        "POST",
        "/api/v1/auth/invitations/accept/",
        expect={a: 400 for a in ("admin", "front_desk", "clinician", "supervisor", "client", "anonymous")},
        payload=lambda w, a, s: {"token": "forged", "password": "a-New-passw0rd!"},
    ),
    # --- practice settings ----------------------------------------------------------------------------
    Row(
        "GET",
        "/api/v1/practice/",
        expect={**STAFF_ALL, "client": 200, "anonymous": 401},
        forbidden_fields={"client": {"settings"}},
    ),
    Row(
        "PATCH",
        "/api/v1/practice/",
        expect={"admin": 200, "front_desk": 403, "clinician": 403, "supervisor": 403, "client": 403, "anonymous": 401},
        payload=lambda w, a, s: {"cancellation_window_hours": 48},
    ),
    # --- staff ------------------------------------------------------------------------------------------
    Row(
        "GET",
        "/api/v1/staff/",
        expect={**STAFF_ALL, "client": 200, "anonymous": 401},
        lists="staff",
        visible={
            "admin": {"mine", "foreign"},
            "front_desk": {"mine", "foreign"},
            "clinician": {"mine", "foreign"},
            "supervisor": {"mine", "foreign"},
            "client": {"mine"},
        },
        forbidden_fields={"client": {"email", "roles", "is_active"}},
    ),
    Row(
        "GET",
        "/api/v1/staff/{id}/",
        target="staff",
        expect={**STAFF_ALL, "client": (200, 404), "anonymous": 401},
        forbidden_fields={"client": {"email", "roles", "is_active"}},
    ),
    Row(
        "PATCH",
        "/api/v1/staff/{id}/",
        target="staff",
        expect={
            "admin": 200,
            "front_desk": 403,
            "clinician": 403,
            "supervisor": 403,
            "client": (403, 404),
            "anonymous": 401,
        },
        payload=lambda w, a, s: {"roles": ["clinician"]},
    ),
    # --- clinicians -------------------------------------------------------------------------------------
    Row(
        "GET",
        "/api/v1/clinicians/",
        expect={**STAFF_ALL, "client": 200, "anonymous": 401},
        lists="clinician",
        visible={
            "admin": {"mine", "foreign"},
            "front_desk": {"mine", "foreign"},
            "clinician": {"mine", "foreign"},
            "supervisor": {"mine", "foreign"},
            "client": {"mine"},
        },
        forbidden_fields={"client": {"license_number", "license_state", "membership"}},
    ),
    Row(
        "GET",
        "/api/v1/clinicians/{id}/",
        target="clinician",
        expect={**STAFF_ALL, "client": (200, 404), "anonymous": 401},
        forbidden_fields={"client": {"license_number", "license_state", "membership"}},
    ),
    Row(
        "PATCH",
        "/api/v1/clinicians/{id}/",
        target="clinician",
        expect={
            "admin": 200,
            "front_desk": 403,
            "clinician": (200, 403),
            "supervisor": 403,
            "client": (403, 404),
            "anonymous": 401,
        },
        payload=lambda w, a, s: {"credentials": "PhD"},
    ),
    # --- clients ----------------------------------------------------------------------------------------
    Row(
        "GET",
        "/api/v1/clients/",
        expect={**STAFF_ALL, "client": 200, "anonymous": 401},
        lists="client",
        visible={
            "admin": {"mine", "foreign"},
            "front_desk": {"mine", "foreign"},
            "clinician": {"mine"},
            "supervisor": {"mine"},
            "client": {"mine"},
        },
    ),
    Row(
        "POST",
        "/api/v1/clients/",
        expect={"admin": 403, "front_desk": 201, "clinician": 403, "supervisor": 403, "client": 403, "anonymous": 401},
        payload=_new_client,
    ),
    Row(
        "GET",
        "/api/v1/clients/{id}/",
        target="client",
        expect={
            "admin": 200,
            "front_desk": 200,
            "clinician": (200, 404),
            "supervisor": (200, 404),
            "client": (200, 404),
            "anonymous": 401,
        },
    ),
    Row(
        "PATCH",
        "/api/v1/clients/{id}/",
        target="client",
        expect={
            "admin": 403,
            "front_desk": 200,
            "clinician": (403, 404),
            "supervisor": (403, 404),
            "client": (200, 404),
            "anonymous": 401,
        },
        payload=lambda w, a, s: {"pronouns": "she/her", "sms_consent": True},
    ),
    # --- care team --------------------------------------------------------------------------------------
    Row(
        "GET",
        "/api/v1/care-team/",
        expect={**STAFF_ALL, "client": 403, "anonymous": 401},
        lists="care_team_member",
        visible={
            "admin": {"mine", "foreign"},
            "front_desk": {"mine", "foreign"},
            "clinician": {"mine"},
            "supervisor": {"mine"},
        },
    ),
    Row(
        "POST",
        "/api/v1/care-team/",
        expect={"admin": 201, "front_desk": 201, "clinician": 403, "supervisor": 403, "client": 403, "anonymous": 401},
        payload=lambda w, a, s: {"client": w.p.client_b.pk, "clinician": w.p.clinician.pk, "role": "associate"},
    ),
    Row(
        "DELETE",
        "/api/v1/care-team/{id}/",
        target="care_team_member",
        expect={
            "admin": 204,
            "front_desk": 204,
            "clinician": (403, 404),
            "supervisor": (403, 404),
            "client": 404,
            "anonymous": 401,
        },
    ),
    # --- supervision ------------------------------------------------------------------------------------
    Row(
        "GET",
        "/api/v1/supervisions/",
        expect={**STAFF_ALL, "client": 403, "anonymous": 401},
        lists="supervision",
        visible={a: {"mine", "foreign"} for a in ("admin", "front_desk", "clinician", "supervisor")},
    ),
    Row(
        "POST",
        "/api/v1/supervisions/",
        expect={"admin": 201, "front_desk": 403, "clinician": 403, "supervisor": 403, "client": 403, "anonymous": 401},
        payload=lambda w, a, s: {"supervisor": w.p.supervisor.pk, "supervisee": w.p.clinician2.pk},
    ),
    Row(
        "POST",
        "/api/v1/supervisions/{id}/end/",
        target="supervision",
        expect={"admin": 200, "front_desk": 403, "clinician": 403, "supervisor": 403, "client": 404, "anonymous": 401},
    ),
    # --- invitations ------------------------------------------------------------------------------------
    Row(
        "GET",
        "/api/v1/invitations/",
        expect={"admin": 200, "front_desk": 403, "clinician": 403, "supervisor": 403, "client": 403, "anonymous": 401},
        lists="invitation",
        visible={"admin": {"mine", "foreign"}},
    ),
    Row(
        "POST",
        "/api/v1/invitations/",
        expect={"admin": 201, "front_desk": 403, "clinician": 403, "supervisor": 403, "client": 403, "anonymous": 401},
        payload=lambda w, a, s: {"email": "new.therapist@example.test", "roles": ["clinician"]},
    ),
    # --- audit ------------------------------------------------------------------------------------------
    Row(
        "GET",
        "/api/v1/audit-events/",
        expect={"admin": 200, "front_desk": 403, "clinician": 403, "supervisor": 403, "client": 403, "anonymous": 401},
        lists="audit_event",
        visible={"admin": {"mine", "foreign"}},
    ),
    Row(
        "GET",
        "/api/v1/audit-events/{id}/",
        target="audit_event",
        expect={"admin": 200, "front_desk": 404, "clinician": 404, "supervisor": 404, "client": 404, "anonymous": 401},
    ),
    # --- multi-factor authentication -----------------------------------------------------------------------
    Row("GET", "/api/v1/auth/mfa/", expect={**STAFF_ALL, "client": 200, "anonymous": 401}),
    Row(
        "POST",
        "/api/v1/auth/mfa/enrol/",
        expect={a: 400 for a in ("admin", "front_desk", "clinician", "supervisor", "client", "anonymous")},
        payload=lambda w, a, s: {"challenge": "forged"},
        note="a forged challenge is refused whoever sends it",
    ),
    Row(
        "POST",
        "/api/v1/auth/mfa/confirm/",
        expect={**{a: 400 for a in ("admin", "front_desk", "clinician", "supervisor", "client")}, "anonymous": 401},
        payload=lambda w, a, s: {"code": "000000"},
        note="nothing to confirm: not enrolled",
    ),
    Row(
        "POST",
        "/api/v1/auth/mfa/verify/",
        expect={a: 400 for a in ("admin", "front_desk", "clinician", "supervisor", "client", "anonymous")},
        payload=lambda w, a, s: {"challenge": "forged", "code": "000000"},
    ),
    Row(
        "POST",
        "/api/v1/auth/mfa/disable/",
        expect={**{a: 400 for a in ("admin", "front_desk", "clinician", "supervisor", "client")}, "anonymous": 401},
        payload=lambda w, a, s: {"code": "000000"},
        note="not enrolled: nothing to disable",
    ),
    Row(
        "POST",
        "/api/v1/staff/{id}/mfa-reset/",
        target="staff",
        expect={
            "admin": 204,
            "front_desk": 403,
            "clinician": 403,
            "supervisor": 403,
            "client": (403, 404),
            "anonymous": 401,
        },
    ),
]

# --- privacy-a (issue 11, item 3): revoking a pending invitation -------------------------------------------
ROWS += [
    Row(
        "POST",
        "/api/v1/invitations/{id}/revoke/",
        target="invitation",
        expect={"admin": 200, "front_desk": 404, "clinician": 404, "supervisor": 404, "client": 404, "anonymous": 401},
        note="admin only; a role without access to invitations does not learn that one exists",
    ),
]
