from django.urls import path
from rest_framework.routers import SimpleRouter

from intake import apis, apis_checkins, views

router = SimpleRouter()
router.register("intake/forms", apis.FormViewSet, basename="intake-form")
router.register("intake/packets", apis.PacketViewSet, basename="intake-packet")
router.register("intake/responses", apis.ResponseViewSet, basename="intake-response")
router.register("intake/risk-flags", apis.RiskFlagViewSet, basename="intake-risk-flag")
router.register("intake/measure-schedules", apis.ScheduleViewSet, basename="intake-schedule")
router.register("intake/clients", apis.ClientSeriesViewSet, basename="intake-client")
router.register("intake/session-checkins", apis_checkins.SessionCheckinViewSet, basename="intake-session-checkin")

urlpatterns = [
    path("intake/link/<str:token>/", apis.LinkPacketView.as_view(), name="intake-link"),
    path("intake/link/<str:token>/responses/<int:pk>/", apis.LinkDraftView.as_view(), name="intake-link-draft"),
    path(
        "intake/link/<str:token>/responses/<int:pk>/submit/", apis.LinkSubmitView.as_view(), name="intake-link-submit"
    ),
    # The client's page (HTML, not part of the API schema). The path shares the link's token.
    path("intake/p/<str:token>/", views.packet_page, name="intake-page"),
    *router.urls,
]
