"""The confirm and cancel links in a client's appointment messages (/api/v1/reminders/links/): no login, the
signed token is the authority (scheduling/services/links.py)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.api.throttling import AtomicScopedThrottle
from reminders.serializers import LinkOutput, LinkQuery
from scheduling.messages import local_when
from scheduling.services.links import link_apply, link_resolve


class AppointmentLinkView(APIView):
    """The confirm and cancel links of reminder emails (no log-in: the signed token is the credential). GET says
    what the link would do, POST does it. A link that is not valid is a 400 `link_invalid`, one for an appointment
    that has moved `link_outdated`, one expired or for a session already started `link_expired`; cancelling past
    the practice's cut-off is a 409. Clicking a cancel link twice changes nothing."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AtomicScopedThrottle]
    throttle_scope = "public_link"

    @extend_schema(
        parameters=[OpenApiParameter("token", OpenApiTypes.STR, required=True)],
        responses={200: LinkOutput},
        summary="What a link would do (does nothing).",
    )
    def get(self, request):
        query = LinkQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        appointment, client, link_action = link_resolve(token=query.validated_data["token"])
        return Response(_link_output(appointment, client, link_action))

    @extend_schema(
        request=LinkQuery,
        responses={200: LinkOutput},
        summary="Confirm or cancel the appointment the link names. Cancelling applies the practice's "
        "cut-off and late-cancellation window.",
    )
    def post(self, request):
        data = LinkQuery(data=request.data)
        data.is_valid(raise_exception=True)
        appointment, client, link_action = link_apply(token=data.validated_data["token"])
        return Response(_link_output(appointment, client, link_action))


def _link_output(appointment, client, link_action: str) -> dict:
    return LinkOutput(
        {
            "action": link_action,
            "practice": appointment.practice.name,
            "starts_at": appointment.starts_at,
            "starts_at_local": local_when(appointment, client),
            "status": appointment.status,
        }
    ).data
