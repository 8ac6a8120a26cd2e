"""The admin's pages, under /manage/ (/admin/ is the operators' Django admin)."""

from django.urls import path

from practice.pages import audit, clients, settings, staff

app_name = "practice_pages"

urlpatterns = [
    path("manage/staff/", staff.staff_list, name="staff-list"),
    path("manage/staff/<int:pk>/", staff.staff_edit, name="staff-edit"),
    path("manage/staff/<int:pk>/active/", staff.staff_set_active, name="staff-set-active"),
    path("manage/staff/<int:pk>/reset-second-factor/", staff.staff_mfa_reset, name="staff-mfa-reset"),
    path("manage/invitations/", staff.invitations, name="invitations"),
    path("manage/invitations/<uuid:pk>/revoke/", staff.invitation_revoke_page, name="invitation-revoke"),
    path("manage/supervision/", staff.supervision, name="supervision"),
    path("manage/supervision/<int:pk>/end/", staff.supervision_end_page, name="supervision-end"),
    path("manage/settings/", settings.practice_settings, name="settings"),
    path("manage/reminders/", settings.reminder_policy, name="reminder-policy"),
    path("manage/audit/", audit.audit_log, name="audit"),
    # The front desk's clients (practice/pages/clients.py).
    path("clients/", clients.client_list, name="clients"),
    path("clients/new/", clients.client_new, name="client-new"),
    path("clients/<int:pk>/", clients.client_detail, name="client"),
    path("clients/<int:pk>/edit/", clients.client_edit, name="client-edit"),
    path("clients/<int:pk>/care-team/", clients.care_team_add_page, name="care-team-add"),
    path("care-team/<int:pk>/remove/", clients.care_team_remove_page, name="care-team-remove"),
]
