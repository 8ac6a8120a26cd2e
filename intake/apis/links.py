"""The client's signed link: no account, the token is the credential (throttled per address)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response as HttpResponse
from rest_framework.views import APIView

from backend.api.throttling import AtomicScopedThrottle
from intake import invitations
from intake.apis._common import _client_ip
from intake.models import Packet, Response
from intake.serializers import (
    DraftInput,
    LinkPacketSerializer,
    LinkResponseSerializer,
    LinkSubmitOutput,
)
from intake.services import links as link_services
from intake.services import responses as response_services


def _packet_or_404(token: str) -> Packet:
    packet = invitations.packet_from_token(token)
    if packet is None:
        raise NotFound("This link is not valid or has expired. Ask the practice for a new one.")
    return packet


def _link_response_or_404(token: str, pk: int) -> Response:
    packet = _packet_or_404(token)
    return get_object_or_404(
        Response.objects.select_related("version__form", "client", "packet"), packet=packet, pk=pk, amends__isnull=True
    )


class LinkMixin:
    # A signed link's token is the credential: no account, no token, a throttle per address.
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AtomicScopedThrottle]
    throttle_scope = "public_link"


class LinkPacketView(LinkMixin, APIView):
    """The packet a client's signed link opens, with its forms and their state; no account needed. A link
    that is not valid, expired or revoked is a 404.
    """

    @extend_schema(
        responses={200: LinkPacketSerializer},
        summary="The packet a signed link opens (no account needed).",
    )
    def get(self, request, token: str):
        packet = _packet_or_404(token)
        packet = (
            Packet.objects.select_related("practice").prefetch_related("responses__version__form").get(pk=packet.pk)
        )
        link_services.packet_link_read_audit(packet=packet)
        return HttpResponse(LinkPacketSerializer(packet).data)


class LinkDraftView(LinkMixin, APIView):
    """Save draft answers to one form of the packet through its signed link; no account needed. A submitted
    form is 409 `already_submitted`; an answer that is not valid is a 400 naming it (`answers.<question>`).
    """

    @extend_schema(
        request=DraftInput,
        responses={200: LinkResponseSerializer},
        summary="Save draft answers through a signed link.",
    )
    def patch(self, request, token: str, pk: int):
        response = _link_response_or_404(token, pk)
        data = DraftInput(data=request.data)
        data.is_valid(raise_exception=True)
        response = response_services.response_save_draft(
            response=response, answers=data.validated_data["answers"], via_link=True
        )
        return HttpResponse(LinkResponseSerializer(response).data)


class LinkSubmitView(LinkMixin, APIView):
    """Submit one form of the packet through its signed link; no account needed. A 400 lists every
    unanswered or invalid question; already submitted is 409 `already_submitted`. `safety` is set when an answer
    raised a safety flag: show it to the client."""

    @extend_schema(
        request=None,
        responses={200: LinkSubmitOutput},
        summary="Submit through a signed link: 400 lists every unanswered or invalid question. `safety` is set "
        "when an answer raised a safety flag (PHQ-9 item 9 above 0): show it to the client.",
    )
    def post(self, request, token: str, pk: int):
        response = response_services.response_submit(
            response=_link_response_or_404(token, pk),
            via_link=True,
            ip_address=_client_ip(request),
            user_agent=request.headers.get("User-Agent", ""),
        )
        return HttpResponse(LinkSubmitOutput(response).data)
