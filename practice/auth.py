"""Log-in, log-out, password reset and invitation acceptance (anonymous or any user)."""

from django.http import JsonResponse
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema, inline_serializer
from knox.models import AuthToken
from knox.views import LogoutAllView as KnoxLogoutAllView
from knox.views import LogoutView as KnoxLogoutView
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.api.authentication import SafeTokenAuthentication
from backend.api.permissions import RolePermission
from backend.api.throttling import AtomicScopedThrottle
from backend.api.views import PracticeScopedMixin
from backend.web.errors import error_page
from backend.web.services import sign_out_everywhere
from core.errors import DomainError
from practice import roles, selectors
from practice.models import Membership
from practice.serializers import (
    DetailOutput,
    InvitationAcceptInput,
    LoginInput,
    LoginOutput,
    MeSerializer,
    MfaChallengeOutput,
    MfaCodeInput,
    MfaEnrolInput,
    MfaEnrolOutput,
    MfaStatusOutput,
    MfaVerifyInput,
    PasswordResetConfirmInput,
    PasswordResetInput,
)
from practice.services.members import invitation_accept
from practice.services.mfa import (
    MFA_CHALLENGE_MAX_AGE,
    mfa_challenge_user,
    mfa_confirm,
    mfa_disable,
    mfa_enrol_begin,
    mfa_reset,
    mfa_status,
    mfa_verify,
)
from practice.services.passwords import password_reset_confirm, password_reset_request
from practice.services.second_factor import token_mark_second_factor
from practice.services.signin import locked_out_message, lockout_minutes, signin_api_login, signin_token_issue


def lockout_response(request, response=None, credentials=None, *args, **kwargs):
    """django-axes' answer to a locked-out (email, IP) pair: the API's error body under /api/, the app's
    429 page elsewhere (the sign-in page, the admin site)."""
    seconds = lockout_minutes() * 60
    if not request.path.startswith("/api/"):
        return error_page(request, 429, message=locked_out_message(), headers={"Retry-After": str(seconds)})
    body = {"error": {"code": "locked_out", "message": locked_out_message(), "retry_after_seconds": seconds}}
    return JsonResponse(body, status=429, headers={"Retry-After": str(seconds)})


def me_payload(user) -> dict:
    memberships = Membership.objects.filter(user=user, is_active=True).select_related("practice")
    return {"id": user.pk, "email": user.email, "full_name": user.full_name, "memberships": memberships}


class AnonAuthView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AtomicScopedThrottle]
    throttle_scope = "anon_auth"


def token_response(user, *, second_factor: str = "") -> Response:
    """A new token, with who it is for; `second_factor` names the factor this log-in gave, if any."""
    token, expiry = signin_token_issue(user=user, second_factor=second_factor)
    return _token_output(user, token, expiry)


def _token_output(user, token: str, expiry) -> Response:
    return Response(LoginOutput({"token": token, "expiry": expiry, "user": me_payload(user)}).data)


LOGIN_RESULT = PolymorphicProxySerializer(
    component_name="LoginResult", serializers=[LoginOutput, MfaChallengeOutput], resource_type_field_name=None
)


class LoginView(AnonAuthView):
    """Log in with email and password (no token needed). Answers a token, or, when the practice requires a
    second factor, a short-lived challenge to complete at /auth/mfa/verify/ (or to enrol with at /auth/mfa/enrol/).
    Wrong credentials are a 400; repeated failures lock the email and address out: 429 `locked_out` with
    `retry_after_seconds`."""

    @extend_schema(
        request=LoginInput,
        responses={200: LOGIN_RESULT},
        summary="Log in with email and password: a token, or (when a second factor applies) a "
        "short-lived challenge to complete at /auth/mfa/verify/.",
    )
    def post(self, request):
        data = LoginInput(data=request.data)
        data.is_valid(raise_exception=True)
        login = signin_api_login(
            request=request._request, email=data.validated_data["email"], password=data.validated_data["password"]
        )
        if login.challenge:
            return Response(
                MfaChallengeOutput(
                    {
                        "mfa_required": True,
                        "mfa_enrolled": login.mfa_enrolled,
                        "challenge": login.challenge,
                        "challenge_expires_in": MFA_CHALLENGE_MAX_AGE,
                    }
                ).data
            )
        return _token_output(login.user, login.token, login.expiry)


class LogoutView(KnoxLogoutView):
    """Log out: revoke the token this request was sent with. Any logged-in user."""

    authentication_classes = (SafeTokenAuthentication,)  # knox's own views name knox's class

    @extend_schema(request=None, responses={204: None}, summary="Revoke the token used for this request.")
    def post(self, request, format=None):
        return super().post(request, format)


class LogoutAllView(KnoxLogoutAllView):
    """Log out everywhere: revoke every token of this user and end their browser sessions. Any logged-in
    user."""

    authentication_classes = (SafeTokenAuthentication,)

    @extend_schema(
        request=None,
        responses={204: None},
        summary="Log out everywhere: revoke every token of this user and end their browser sessions.",
    )
    def post(self, request, format=None):

        response = super().post(request, format)
        sign_out_everywhere(user=request.user)  # the pages' sessions too: "everywhere" is one rule
        return response


class MeView(APIView):
    """Who you are, and the practices you belong to with your roles in each. Any logged-in user, whatever
    the practice's second-factor rule."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: MeSerializer}, summary="Who am I, and in which practices with which roles.")
    def get(self, request):
        return Response(MeSerializer(me_payload(request.user)).data)


RESET_SENT = "If an account exists for this email, a reset link is on its way."


class PasswordResetView(AnonAuthView):
    """Ask for a password-reset email (no token needed). Answers the same 202 whether or not the account
    exists, so it tells nobody who has one."""

    @extend_schema(
        request=PasswordResetInput,
        responses={202: DetailOutput},
        summary="Ask for a password-reset email. Answers the same whether or not the account exists.",
    )
    def post(self, request):
        data = PasswordResetInput(data=request.data)
        data.is_valid(raise_exception=True)
        password_reset_request(email=data.validated_data["email"])
        return Response({"detail": RESET_SENT}, status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmView(AnonAuthView):
    """Set a new password with the uid and token of a reset link (no token needed); every existing token
    of the user is revoked. A used, expired or wrong link is a 400 `token_invalid`; a weak password a 400 naming
    `new_password`."""

    @extend_schema(
        request=PasswordResetConfirmInput,
        responses={200: DetailOutput},
        summary="Set a new password with the link's uid and token; revokes every existing token.",
    )
    def post(self, request):
        data = PasswordResetConfirmInput(data=request.data)
        data.is_valid(raise_exception=True)
        password_reset_confirm(**data.validated_data)
        return Response({"detail": "Your password has been changed. Log in with the new one."})


class InvitationAcceptView(AnonAuthView):
    """Accept a staff invitation with its token (no log-in needed): set a password, or confirm an existing
    one, and join the practice with the invited roles. A used or revoked invitation is a 400 `token_invalid`,
    an expired one `token_expired`."""

    @extend_schema(
        request=InvitationAcceptInput,
        responses={
            201: inline_serializer(
                "InvitationAccepted", {"practice": serializers.CharField(), "roles": serializers.ListField()}
            ),
        },
        summary="Accept a staff invitation: set a password (or confirm an existing one) and join.",
    )
    def post(self, request):
        data = InvitationAcceptInput(data=request.data)
        data.is_valid(raise_exception=True)
        membership = invitation_accept(**data.validated_data)
        return Response({"practice": membership.practice.slug, "roles": membership.roles}, status=201)


# --- multi-factor authentication ------------------------------------------------------------------------


class MfaVerifyView(AnonAuthView):
    """Log-in step 2 (no token needed): the challenge from /auth/login/ and a TOTP code, or an unused
    recovery code, for a token that counts as a log-in with the second factor. A wrong code is a 400 `mfa_code_invalid`,
    an old challenge `challenge_invalid`; wrong codes are limited per user (429 `mfa_throttled`)."""

    @extend_schema(
        request=MfaVerifyInput,
        responses={200: LoginOutput},
        summary="Log-in step 2: the challenge and a TOTP code (or an unused recovery code) for a token. "
        "Wrong codes are limited per user.",
    )
    def post(self, request):
        data = MfaVerifyInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = mfa_challenge_user(challenge=data.validated_data["challenge"])
        method = mfa_verify(
            user=user,
            code=data.validated_data.get("code", ""),
            recovery_code=data.validated_data.get("recovery_code", ""),
        )
        return token_response(user, second_factor=method)


class MfaStatusView(APIView):
    """Whether you have a second factor, and whether a practice of yours requires one. Any logged-in user."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: MfaStatusOutput}, summary="Whether I have a second factor, and whether I must.")
    def get(self, request):
        return Response(MfaStatusOutput(mfa_status(user=request.user)).data)


class MfaEnrolView(APIView):
    """Start enrolling a TOTP authenticator, logged in (a token) or in the middle of logging in (the challenge
    from /auth/login/): the otpauth URI (for a QR code) and recovery codes, shown once. Already enrolled: 409
    `mfa_already_enrolled`."""

    permission_classes = [AllowAny]
    throttle_classes = [AtomicScopedThrottle]
    throttle_scope = "anon_auth"

    @extend_schema(
        request=MfaEnrolInput,
        responses={201: MfaEnrolOutput},
        summary="Start enrolling a TOTP authenticator: the otpauth URI (for a QR code) and recovery "
        "codes, shown once. Confirm with a code at /auth/mfa/confirm/ or /auth/mfa/verify/.",
    )
    def post(self, request):
        data = MfaEnrolInput(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data.get("challenge"):
            user = mfa_challenge_user(challenge=data.validated_data["challenge"])
        elif request.user.is_authenticated:
            user = request.user
        else:
            raise DomainError(
                "Log in first, or give the challenge from the log-in answer.",
                code="challenge_required",
                fields={"challenge": ["This field is required."]},
            )
        return Response(MfaEnrolOutput(mfa_enrol_begin(user=user)).data, status=status.HTTP_201_CREATED)


class MfaConfirmView(APIView):
    """Confirm enrolment with a code from the authenticator; the token of this request then counts as a
    log-in with the second factor. Any logged-in user who started enrolling (else 400 `mfa_not_enrolled`; already
    confirmed: 409 `mfa_already_enrolled`). Wrong codes are limited per user (429 `mfa_throttled`)."""

    extra_error_statuses = {429}  # mfa_verify counts wrong codes itself: no throttle class to see

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=MfaCodeInput,
        responses={200: MfaStatusOutput},
        summary="Confirm enrolment with a code from the authenticator. The token used for this request then "
        "counts as a log-in with the second factor.",
    )
    def post(self, request):
        data = MfaCodeInput(data=request.data)
        data.is_valid(raise_exception=True)
        method = mfa_confirm(user=request.user, code=data.validated_data.get("code", ""))
        if isinstance(request.auth, AuthToken):
            token_mark_second_factor(token=request.auth, method=method)
        return Response(MfaStatusOutput(mfa_status(user=request.user)).data)


class MfaDisableView(APIView):
    """Turn your second factor off, proving it with a code or a recovery code. Where a practice requires
    one, the next log-in asks to enrol again. Wrong codes are limited per user (429 `mfa_throttled`)."""

    extra_error_statuses = {429}  # as above

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=MfaCodeInput,
        responses={204: None},
        summary="Turn my second factor off, proving it with a code or a recovery code. Where the "
        "practice requires one, the next log-in asks to enrol again.",
    )
    def post(self, request):
        data = MfaCodeInput(data=request.data)
        data.is_valid(raise_exception=True)
        mfa_disable(
            user=request.user,
            code=data.validated_data.get("code", ""),
            recovery_code=data.validated_data.get("recovery_code", ""),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class MfaResetView(PracticeScopedMixin, APIView):
    """Remove a staff member's second factor (a lost device and codes) and revoke their tokens; they enrol
    again at their next log-in. Admins only (403); a member outside your practice is a 404."""

    permission_classes = [RolePermission]
    read_roles = roles.ALL_ROLES  # who may see the staff member decides 404 (out of scope) before 403 (role)
    write_roles = {roles.ADMIN}

    @extend_schema(
        request=None,
        responses={204: None},
        summary="Remove a staff member's second factor (lost device and codes) and revoke their "
        "tokens (admin). They enrol again at their next log-in.",
    )
    def post(self, request, pk: int):
        membership = selectors.staff_list(actor=request.membership).filter(pk=pk).first()
        if membership is None:
            from rest_framework.exceptions import NotFound

            raise NotFound()
        self.check_object_permissions(request, membership)
        mfa_reset(actor=request.membership, membership=membership)
        return Response(status=status.HTTP_204_NO_CONTENT)
