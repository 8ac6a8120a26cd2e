from django.urls import path
from rest_framework.routers import SimpleRouter

from practice import apis, auth

router = SimpleRouter()
router.register("staff", apis.StaffViewSet, basename="staff")
router.register("clinicians", apis.ClinicianViewSet, basename="clinician")
router.register("clients", apis.ClientViewSet, basename="client")
router.register("care-team", apis.CareTeamViewSet, basename="care-team")
router.register("supervisions", apis.SupervisionViewSet, basename="supervision")
router.register("invitations", apis.InvitationViewSet, basename="invitation")
router.register("audit-events", apis.AuditEventViewSet, basename="audit-event")

urlpatterns = [
    path("auth/login/", auth.LoginView.as_view(), name="login"),
    path("auth/logout/", auth.LogoutView.as_view(), name="logout"),
    path("auth/logoutall/", auth.LogoutAllView.as_view(), name="logoutall"),
    path("auth/me/", auth.MeView.as_view(), name="me"),
    path("auth/password-reset/", auth.PasswordResetView.as_view(), name="password-reset"),
    path("auth/password-reset/confirm/", auth.PasswordResetConfirmView.as_view(), name="password-reset-confirm"),
    path("auth/invitations/accept/", auth.InvitationAcceptView.as_view(), name="invitation-accept"),
    path("auth/mfa/", auth.MfaStatusView.as_view(), name="mfa-status"),
    path("auth/mfa/enrol/", auth.MfaEnrolView.as_view(), name="mfa-enrol"),
    path("auth/mfa/confirm/", auth.MfaConfirmView.as_view(), name="mfa-confirm"),
    path("auth/mfa/verify/", auth.MfaVerifyView.as_view(), name="mfa-verify"),
    path("auth/mfa/disable/", auth.MfaDisableView.as_view(), name="mfa-disable"),
    path("staff/<int:pk>/mfa-reset/", auth.MfaResetView.as_view(), name="staff-mfa-reset"),
    path("practice/", apis.PracticeView.as_view(), name="practice"),
    *router.urls,
]
