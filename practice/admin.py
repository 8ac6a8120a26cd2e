"""The operators' admin site. Operators run the service; they are not practice staff (ACCESS.md).

Records of people in care and of who serves them (Client, CareTeamMember) are read-only here, listed by id
only, and every look is audited (a read of a client record, as through the API). Memberships, clinician
profiles and supervisions are read-only too: their changes go through the services, which check the actor
and write the audit trail; an admin-site edit would do neither.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from practice.admin_auth import AdminLoginForm
from practice.audit import audit_record
from practice.models import AuditEvent, CareTeamMember, Client, Clinician, Membership, Practice, Supervision, User

admin.site.login_form = AdminLoginForm  # password and a second factor (operators only)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff"]
    search_fields = ["email", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "password", "full_name")}),
        ("Status", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),)


admin.site.register(Practice)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditedReadOnlyAdmin(ReadOnlyAdmin):
    """Every list and every record opened leaves an audit event naming the operator and the object."""

    list_display_links = None  # opening a record is a separate, audited read
    search_fields: list[str] = []  # no search by name: it would be a read of every record matched

    def changelist_view(self, request, extra_context=None):
        audit_record(
            actor=None,
            user=request.user,
            action=AuditEvent.Action.LIST,
            object_type=self.model._meta.label_lower,
            detail={"via": "admin_site"},
        )
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None:
            audit_record(
                actor=None,
                user=request.user,
                practice=obj.practice,
                action=AuditEvent.Action.READ,
                obj=obj,
                detail={"via": "admin_site"},
            )
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(Client)
class ClientAdmin(AuditedReadOnlyAdmin):
    list_display = ["id", "practice", "is_active", "created_at"]
    list_filter = ["practice", "is_active"]


@admin.register(CareTeamMember)
class CareTeamMemberAdmin(AuditedReadOnlyAdmin):
    list_display = ["id", "practice", "client_id", "clinician_id", "role"]
    list_filter = ["practice"]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["id", "user", "practice", "roles", "is_active"]
    list_filter = ["practice", "is_active"]


@admin.register(Clinician)
class ClinicianAdmin(ReadOnlyAdmin):
    list_display = ["id", "membership", "practice", "is_active"]


@admin.register(Supervision)
class SupervisionAdmin(ReadOnlyAdmin):
    list_display = ["id", "practice", "supervisor", "supervisee", "ended_on"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "practice", "actor", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type"]
