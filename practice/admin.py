from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from practice.admin_auth import AdminLoginForm
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
admin.site.register(Membership)
admin.site.register(Clinician)
admin.site.register(Supervision)
admin.site.register(CareTeamMember)
admin.site.register(Client)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "practice", "actor", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
