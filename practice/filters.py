import django_filters

from practice.models import AuditEvent, CareTeamMember, Client


class ClientFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Name, email or phone contains")

    class Meta:
        model = Client
        fields = ["is_active"]

    def search(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(
            Q(first_name__icontains=value) | Q(last_name__icontains=value) | Q(preferred_name__icontains=value)
            | Q(email__icontains=value) | Q(phone__icontains=value)
        )


class CareTeamFilter(django_filters.FilterSet):
    class Meta:
        model = CareTeamMember
        fields = ["client", "clinician"]


class AuditEventFilter(django_filters.FilterSet):
    since = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="lt")

    class Meta:
        model = AuditEvent
        fields = ["actor", "action", "object_type", "object_id", "request_id"]
