from django.urls import path
from rest_framework.routers import SimpleRouter

from intake import apis_checkins, views
from intake.apis import forms, links, packets, responses

router = SimpleRouter()
router.register("intake/forms", forms.FormViewSet, basename="intake-form")
router.register("intake/packets", packets.PacketViewSet, basename="intake-packet")
router.register("intake/responses", responses.ResponseViewSet, basename="intake-response")
router.register("intake/risk-flags", responses.RiskFlagViewSet, basename="intake-risk-flag")
router.register("intake/measure-schedules", packets.ScheduleViewSet, basename="intake-schedule")
router.register("intake/clients", responses.ClientSeriesViewSet, basename="intake-client")
router.register("intake/session-checkins", apis_checkins.SessionCheckinViewSet, basename="intake-session-checkin")

urlpatterns = [
    path("intake/link/<str:token>/", links.LinkPacketView.as_view(), name="intake-link"),
    path("intake/link/<str:token>/responses/<int:pk>/", links.LinkDraftView.as_view(), name="intake-link-draft"),
    path(
        "intake/link/<str:token>/responses/<int:pk>/submit/", links.LinkSubmitView.as_view(), name="intake-link-submit"
    ),
    # The client's page (HTML, not part of the API schema). The path shares the link's token.
    path("intake/p/<str:token>/", views.packet_page, name="intake-page"),
    *router.urls,
]
