"""HTTP endpoints for practices, staff, clients, care teams, supervision, invitations and audit."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.api.filters import refuse_nul_in_query
from backend.api.permissions import RolePermission
from backend.api.views import PracticeScopedMixin
from practice import roles, selectors
from practice.filters import AuditEventFilter, CareTeamFilter, ClientFilter, InvitationFilter
from practice.models import AuditEvent, CareTeamMember, Client, Clinician, Invitation, Membership, Supervision
from practice.serializers import (
    AuditEventSerializer,
    CareTeamMemberSerializer,
    ClientInput,
    ClientSerializer,
    ClinicianEntry,
    ClinicianForClientSerializer,
    ClinicianSerializer,
    ClinicianUpdateInput,
    InvitationSerializer,
    PracticePublicSerializer,
    PracticeSerializer,
    StaffEntry,
    StaffForClientSerializer,
    StaffSerializer,
    StaffUpdateInput,
    SupervisionSerializer,
)
from practice.services.clients import care_team_add, care_team_remove, client_create, client_update
from practice.services.members import (
    clinician_update,
    invitation_create,
    invitation_revoke,
    membership_set_roles,
    supervision_create,
    supervision_end,
)
from practice.services.practices import practice_update

EVERYONE = roles.ALL_ROLES
STAFF = roles.STAFF_ROLES


class PracticeView(PracticeScopedMixin, APIView):
    """The practice you are acting in: its name, time zone and settings. Every role reads it (a client sees
    the public part); admins change it, and `settings` are merged key by key (docs/api.md): an unknown key, a
    wrong type or a value out of range is a 400 naming `settings.<key>`.
    """

    permission_classes = [RolePermission]
    read_roles = EVERYONE
    write_roles = {roles.ADMIN}

    @extend_schema(responses={200: PracticeSerializer}, summary="The practice you are acting in.")
    def get(self, request):
        serializer = PracticeSerializer if request.membership.is_staff_member else PracticePublicSerializer
        return Response(serializer(request.membership.practice).data)

    @extend_schema(
        request=PracticeSerializer, responses={200: PracticeSerializer}, summary="Change practice settings (admin)."
    )
    def patch(self, request):
        data = PracticeSerializer(request.membership.practice, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        practice = practice_update(actor=request.membership, **data.validated_data)
        return Response(PracticeSerializer(practice).data)


@extend_schema_view(
    list=extend_schema(responses=StaffEntry(many=True)),
    retrieve=extend_schema(responses=StaffEntry),
    partial_update=extend_schema(request=StaffUpdateInput, responses=StaffSerializer),
)
class StaffViewSet(PracticeScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Staff of the practice and their roles. Every role reads the list (a client: their own clinicians'
    names); admins change roles and deactivate members (removing their own admin role: 409 `last_admin`)."""

    queryset = Membership.objects.none()  # for the schema only: get_queryset() scopes every request
    permission_classes = [RolePermission]
    read_roles = EVERYONE
    write_roles = {roles.ADMIN}
    http_method_names = ["get", "patch", "head", "options"]
    ordering_fields = ["user__full_name", "created_at"]
    ordering = ["user__full_name"]

    def get_queryset(self):
        return selectors.staff_list(actor=self.request.membership).select_related("clinician")

    def get_serializer_class(self):
        membership = getattr(self.request, "membership", None)
        if membership is not None and not membership.is_staff_member:
            return StaffForClientSerializer
        return StaffSerializer

    def partial_update(self, request, *args, **kwargs):
        membership = self.get_object()
        data = StaffUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        membership = membership_set_roles(
            actor=request.membership,
            membership=membership,
            roles_=data.validated_data["roles"],
            is_active=data.validated_data.get("is_active"),
        )
        return Response(StaffSerializer(membership).data)


@extend_schema_view(
    list=extend_schema(responses=ClinicianEntry(many=True)),
    retrieve=extend_schema(responses=ClinicianEntry),
    partial_update=extend_schema(request=ClinicianUpdateInput, responses=ClinicianSerializer),
)
class ClinicianViewSet(PracticeScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Clinicians of the practice and their profiles (credentials, licence, time zone). Every role reads
    them (a client: their own clinicians' names); admins change any profile, a clinician their own (another's:
    403). A field that is not editable is a 400 naming it.
    """

    queryset = Clinician.objects.none()  # for the schema only: get_queryset() scopes every request
    permission_classes = [RolePermission]
    read_roles = EVERYONE
    write_roles = {roles.ADMIN, roles.CLINICIAN}
    http_method_names = ["get", "patch", "head", "options"]
    filterset_fields = ["is_active"]
    ordering = ["membership__user__full_name"]

    def get_queryset(self):
        return selectors.clinician_list(actor=self.request.membership)

    def get_serializer_class(self):
        membership = getattr(self.request, "membership", None)
        if membership is not None and not membership.is_staff_member:
            return ClinicianForClientSerializer
        return ClinicianSerializer

    def partial_update(self, request, *args, **kwargs):
        clinician = self.get_object()
        data = ClinicianUpdateInput(clinician, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        clinician = clinician_update(actor=request.membership, clinician=clinician, **data.validated_data)
        return Response(ClinicianSerializer(clinician).data)


@extend_schema_view(
    create=extend_schema(request=ClientInput, responses={201: ClientSerializer}),
    partial_update=extend_schema(
        request=ClientInput,
        responses={200: ClientSerializer},
        description="Front desk changes any demographic field; a client changes their own "
        "contact details and preferences only.",
    ),
)
class ClientViewSet(
    PracticeScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Client records: demographics, contact and preferences. Front desk and admins read every client,
    clinicians and supervisors their caseload, a client their own record; front desk creates and changes them.
    Every read is audited (it is protected health information)."""

    queryset = Client.objects.none()  # for the schema only: get_queryset() scopes every request
    permission_classes = [RolePermission]
    read_roles = EVERYONE
    write_roles = {roles.FRONT_DESK, roles.CLIENT}
    action_roles = {"create": {roles.FRONT_DESK}}
    http_method_names = ["get", "post", "patch", "head", "options"]
    serializer_class = ClientSerializer
    filterset_class = ClientFilter
    ordering_fields = ["last_name", "first_name", "created_at"]
    ordering = ["last_name", "first_name", "id"]

    def get_queryset(self):
        return selectors.client_list(actor=self.request.membership)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        clients = selectors.client_list_read(actor=request.membership, clients=page)
        return self.get_paginated_response(ClientSerializer(clients, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        client = selectors.client_read(actor=request.membership, pk=self.kwargs["pk"])
        return Response(ClientSerializer(client).data)

    def create(self, request, *args, **kwargs):
        data = ClientInput(data=request.data)
        data.is_valid(raise_exception=True)
        client = client_create(actor=request.membership, **data.validated_data)
        return Response(ClientSerializer(client).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        client = self.get_object()
        data = ClientInput(client, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        # The service decides which of these fields the caller may change (a client: contact and
        # preferences only) and refuses the rest by name.
        client = client_update(actor=request.membership, client=client, **data.validated_data)
        return Response(ClientSerializer(client).data)


class CareTeamViewSet(
    PracticeScopedMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Which clinicians serve which client. Front desk and admins keep it; clinicians read their caseload's."""

    queryset = CareTeamMember.objects.none()  # for the schema only: get_queryset() scopes every request
    permission_classes = [RolePermission]
    read_roles = STAFF
    write_roles = {roles.ADMIN, roles.FRONT_DESK}
    serializer_class = CareTeamMemberSerializer
    filterset_class = CareTeamFilter
    ordering = ["id"]

    def get_queryset(self):
        return selectors.care_team_list(actor=self.request.membership)

    def create(self, request, *args, **kwargs):
        data = self.get_serializer(data=request.data)  # client and clinician resolve in the caller's scope
        data.is_valid(raise_exception=True)
        member = care_team_add(
            actor=request.membership,
            client=data.validated_data["client"],
            clinician=data.validated_data["clinician"],
            role=data.validated_data.get("role", "primary"),
        )
        return Response(CareTeamMemberSerializer(member).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        care_team_remove(actor=request.membership, member=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class SupervisionViewSet(PracticeScopedMixin, mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Who supervises whom: a supervisor reads and co-signs the supervisee's progress notes. Every staff
    role reads them; admins start and end them. The same pair twice is 409 `supervision_exists`; a clinician
    supervising themselves is a 400 naming `supervisee`.
    """

    queryset = Supervision.objects.none()  # for the schema only: get_queryset() scopes every request
    permission_classes = [RolePermission]
    read_roles = STAFF
    write_roles = {roles.ADMIN}
    serializer_class = SupervisionSerializer
    filterset_fields = ["supervisor", "supervisee"]
    ordering = ["id"]

    def get_queryset(self):
        return selectors.supervision_list(actor=self.request.membership)

    def create(self, request, *args, **kwargs):
        data = self.get_serializer(data=request.data)  # supervisor and supervisee resolve in the caller's scope
        data.is_valid(raise_exception=True)
        supervision = supervision_create(actor=request.membership, **data.validated_data)
        return Response(SupervisionSerializer(supervision).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: SupervisionSerializer}, summary="End a supervision (admin).")
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        """End a supervision as of today; its history stays. Admins only. Ending one already ended changes
        nothing."""
        supervision = supervision_end(actor=request.membership, supervision=self.get_object())
        return Response(SupervisionSerializer(supervision).data)


@extend_schema_view(
    list=extend_schema(
        summary="Invitations sent by the practice, newest first (admin); `?status=pending` for those still open.",
    ),
    create=extend_schema(
        summary="Invite a person by email with their roles (admin). A pending invitation of the same address is "
        "superseded (revoked). The email goes through the outbox."
    ),
)
class InvitationViewSet(PracticeScopedMixin, mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Staff invitations: admins invite a person by email with their roles, and the emailed link sets a
    password (/auth/invitations/accept/). Admins only. Inviting an existing member is 409 `already_member`."""

    queryset = Invitation.objects.none()  # for the schema only: get_queryset() scopes every request
    permission_classes = [RolePermission]
    read_roles = {roles.ADMIN}
    write_roles = {roles.ADMIN}
    serializer_class = InvitationSerializer
    filterset_class = InvitationFilter
    ordering = ["-created_at"]

    def get_queryset(self):
        return selectors.invitation_list(actor=self.request.membership)

    def filter_queryset(self, queryset):
        # `?status=` narrows the list only: revoking an invitation named by its id finds it whatever its state.
        if self.action != "list":
            refuse_nul_in_query(self.request)
            return queryset
        return super().filter_queryset(queryset)

    def create(self, request, *args, **kwargs):
        data = InvitationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invitation = invitation_create(
            actor=request.membership,
            email=data.validated_data["email"],
            roles_=data.validated_data["roles"],
            full_name=data.validated_data.get("full_name", ""),
        )
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={200: InvitationSerializer},
        summary="Revoke a pending invitation (admin): its link stops working. 409 `invitation_not_pending` "
        "once accepted or revoked.",
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        invitation = invitation_revoke(actor=request.membership, invitation=self.get_object())
        return Response(InvitationSerializer(invitation).data)


class AuditEventViewSet(PracticeScopedMixin, viewsets.ReadOnlyModelViewSet):
    """The practice's audit trail (admin only). Append-only: there is no write endpoint, and the database
    refuses UPDATE and DELETE on it."""

    queryset = AuditEvent.objects.none()  # for the schema only: get_queryset() scopes every request
    permission_classes = [RolePermission]
    read_roles = {roles.ADMIN}
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
    ordering_fields = ["at"]
    ordering = ["-at", "-id"]

    def get_queryset(self):
        return selectors.audit_event_list(actor=self.request.membership)
