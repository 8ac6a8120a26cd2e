"""The clinician's calendar feed: issue/revoke the secret URL, and the public iCalendar feed."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.api.permissions import RolePermission
from backend.api.throttling import AtomicScopedThrottle
from backend.api.views import PracticeScopedMixin
from practice import roles
from scheduling import ical, selectors
from scheduling.serializers.resources import CalendarFeedSerializer


class CalendarFeedView(PracticeScopedMixin, APIView):
    """Your schedule as an iCalendar feed for a calendar app, at a secret URL: issue a new one (the previous URL
    stops working) or revoke it. Clinicians only."""

    permission_classes = [RolePermission]
    read_roles = write_roles = {roles.CLINICIAN}

    @extend_schema(
        request=None,
        responses={201: CalendarFeedSerializer},
        summary="Issue a new secret feed URL for your schedule (the previous one stops working).",
    )
    def post(self, request):
        token = ical.calendar_feed_rotate(actor=request.membership)
        url = f"{settings.PUBLIC_BASE_URL.rstrip('/')}/api/v1/calendar/{token}.ics"
        return Response({"url": url}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None}, summary="Revoke your feed URL.")
    def delete(self, request):
        ical.calendar_feed_revoke(actor=request.membership)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CalendarFeedPublicView(APIView):
    """The feed itself: the secret token in the URL is the credential (calendar apps cannot log in)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AtomicScopedThrottle]
    throttle_scope = "public_link"

    @extend_schema(
        responses={(200, "text/calendar"): OpenApiTypes.STR},
        summary="iCalendar feed (times, place, client initials only).",
    )
    def get(self, request, token: str):
        clinician = selectors.calendar_feed_clinician(token=token)
        if clinician is None:
            return HttpResponse(
                b'{"error": {"code": "not_found", "message": "Not found."}}',
                status=404,
                content_type="application/json",
            )
        body = ical.calendar_render(clinician=clinician)
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Cache-Control"] = "private, max-age=300"
        return response
