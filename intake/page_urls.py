"""Intake packets from a client's page (docs/webapp.md)."""

from django.urls import path

from intake import pages

app_name = "intake_pages"

urlpatterns = [
    path("clients/<int:pk>/packets/", pages.packet_assign, name="packet-assign"),
    path("packets/<int:pk>/resend/", pages.packet_resend, name="packet-resend"),
    path("packets/<int:pk>/revoke-link/", pages.packet_revoke, name="packet-revoke"),
]
