from django.urls import path

from backend.portal import details, links, my_forms, sessions, signin

app_name = "portal_pages"

urlpatterns = [
    path("portal/", sessions.sessions, name="sessions"),
    path("portal/sessions/<int:pk>/cancel/", sessions.cancel, name="cancel"),
    path("portal/sessions/request/", sessions.request_session, name="request"),
    path("portal/forms/", my_forms.forms, name="forms"),
    path("portal/forms/answers/<int:pk>/", my_forms.answers, name="answers"),
    path("portal/details/", details.details, name="details"),
    path("portal/sign-in-link/", signin.sign_in_link, name="sign-in-link"),
    path("portal/sign-in-link/use/", signin.sign_in_link_use_page, name="sign-in-link-use"),
    # The confirm and cancel links in reminders (reminders/links.py link_url).
    path("appointment-link/", links.appointment_link, name="appointment-link"),
]
