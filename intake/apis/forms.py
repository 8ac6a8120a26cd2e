"""Forms and measures: the definitions staff assign (admins and clinicians write them)."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response as HttpResponse

from backend.api.permissions import RolePermission
from backend.api.views import PracticeScopedMixin
from intake import selectors
from intake.apis._common import STAFF
from intake.models import FormDefinition
from intake.serializers import (
    FormCreateInput,
    FormDetailSerializer,
    FormEditInput,
    FormSerializer,
    FormVersionSerializer,
)
from intake.services import forms as form_services
from practice import roles


class FormViewSet(PracticeScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Forms and measures. Every staff role reads them (to assign); admins and clinicians write them."""

    queryset = FormDefinition.objects.none()  # for the schema only: get_queryset() scopes every request
    permission_classes = [RolePermission]
    read_roles = STAFF
    write_roles = {roles.ADMIN, roles.CLINICIAN}
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_fields = ["kind", "is_active", "slug"]
    ordering = ["name"]

    def get_queryset(self):
        return selectors.form_list(actor=self.request.membership).prefetch_related("versions")

    def get_serializer_class(self):
        return FormDetailSerializer if self.action == "retrieve" else FormSerializer

    @extend_schema(
        request=FormCreateInput,
        responses={201: FormDetailSerializer},
        summary="Create a form or measure (its first version is a draft unless `publish`).",
    )
    def create(self, request, *args, **kwargs):
        data = FormCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        form = form_services.form_create(actor=request.membership, **data.validated_data)
        return HttpResponse(FormDetailSerializer(form).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=FormEditInput,
        responses={200: FormVersionSerializer},
        summary="Edit the draft; editing a published form opens a new draft version.",
    )
    def partial_update(self, request, *args, **kwargs):
        form = self.get_object()
        data = FormEditInput(data=request.data)
        data.is_valid(raise_exception=True)
        version = form_services.form_edit(actor=request.membership, form=form, **data.validated_data)
        return HttpResponse(FormVersionSerializer(version).data)

    @extend_schema(
        request=None,
        responses={200: FormVersionSerializer},
        summary="Publish the draft version (it is frozen from then on).",
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        version = form_services.form_publish(actor=request.membership, form=self.get_object())
        return HttpResponse(FormVersionSerializer(version).data)
