"""Intake packets from a client's page, and the admin's forms under /manage/forms/ (docs/webapp.md)."""

from django.urls import path

from intake.pages import forms, packets

app_name = "intake_pages"

urlpatterns = [
    path("clients/<int:pk>/packets/", packets.packet_assign, name="packet-assign"),
    path("packets/<int:pk>/resend/", packets.packet_resend, name="packet-resend"),
    path("packets/<int:pk>/revoke-link/", packets.packet_revoke, name="packet-revoke"),
    path("manage/forms/", forms.form_list, name="forms"),
    path("manage/forms/<int:pk>/", forms.form_detail, name="form"),
]
