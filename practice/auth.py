"""Log-in, log-out, password reset and invitation acceptance (anonymous or any user)."""

from django.conf import settings
from django.contrib.auth import authenticate
from django.http import JsonResponse
from drf_spectacular.utils import extend_schema, inline_serializer
from knox.models import AuthToken
from knox.views import LogoutAllView as KnoxLogoutAllView
from knox.views import LogoutView as KnoxLogoutView
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from backend.api.exceptions import DomainError
from practice import services
from practice.models import Membership
from practice.serializers import (
    DetailOutput,
    InvitationAcceptInput,
    LoginInput,
    LoginOutput,
    MeSerializer,
    PasswordResetConfirmInput,
    PasswordResetInput,
)

LOGIN_FAILED = "Unable to log in with the email and password given."


def lockout_response(request, response=None, credentials=None, *args, **kwargs):
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    body = {"error": {"code": "locked_out",
                      "message": f"Too many failed log-in attempts. Try again in {minutes} minutes.",
                      "retry_after_seconds": minutes * 60}}
    return JsonResponse(body, status=429, headers={"Retry-After": str(minutes * 60)})


def me_payload(user) -> dict:
    memberships = Membership.objects.filter(user=user, is_active=True).select_related("practice")
    return {"id": user.pk, "email": user.email, "full_name": user.full_name, "memberships": memberships}


class AnonAuthView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "anon_auth"


class LoginView(AnonAuthView):
    @extend_schema(request=LoginInput, responses={200: LoginOutput, 400: DetailOutput, 429: DetailOutput},
                   summary="Log in with email and password; returns an expiring API token.")
    def post(self, request):
        data = LoginInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(request._request, email=data.validated_data["email"].lower(),
                            password=data.validated_data["password"])
        if getattr(request._request, "axes_locked_out", False):
            return lockout_response(request._request)
        if user is None or not user.is_active:
            # The same answer for an unknown email and a wrong password: no account enumeration.
            raise DomainError(LOGIN_FAILED, code="login_failed")
        instance, token = AuthToken.objects.create(user, settings.REST_KNOX["TOKEN_TTL"])
        return Response(LoginOutput({"token": token, "expiry": instance.expiry, "user": me_payload(user)}).data)


class LogoutView(KnoxLogoutView):
    @extend_schema(request=None, responses={204: None}, summary="Revoke the token used for this request.")
    def post(self, request, format=None):
        return super().post(request, format)


class LogoutAllView(KnoxLogoutAllView):
    @extend_schema(request=None, responses={204: None}, summary="Revoke every token of this user (log out everywhere).")
    def post(self, request, format=None):
        return super().post(request, format)


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: MeSerializer}, summary="Who am I, and in which practices with which roles.")
    def get(self, request):
        return Response(MeSerializer(me_payload(request.user)).data)


RESET_SENT = "If an account exists for this email, a reset link is on its way."


class PasswordResetView(AnonAuthView):
    @extend_schema(request=PasswordResetInput, responses={202: DetailOutput},
                   summary="Ask for a password-reset email. Answers the same whether or not the account exists.")
    def post(self, request):
        data = PasswordResetInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.password_reset_request(email=data.validated_data["email"])
        return Response({"detail": RESET_SENT}, status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmView(AnonAuthView):
    @extend_schema(request=PasswordResetConfirmInput, responses={200: DetailOutput, 400: DetailOutput},
                   summary="Set a new password with the link's uid and token; revokes every existing token.")
    def post(self, request):
        data = PasswordResetConfirmInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.password_reset_confirm(**data.validated_data)
        return Response({"detail": "Your password has been changed. Log in with the new one."})


class InvitationAcceptView(AnonAuthView):
    @extend_schema(request=InvitationAcceptInput,
                   responses={201: inline_serializer("InvitationAccepted", {"practice": serializers.CharField(),
                                                                             "roles": serializers.ListField()}),
                              400: DetailOutput},
                   summary="Accept a staff invitation: set a password (or confirm an existing one) and join.")
    def post(self, request):
        data = InvitationAcceptInput(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.invitation_accept(**data.validated_data)
        return Response({"practice": membership.practice.slug, "roles": membership.roles}, status=201)
