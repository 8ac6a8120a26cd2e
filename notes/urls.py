from django.urls import path
from rest_framework.routers import SimpleRouter

from notes import apis, apis_checkins, apis_psychotherapy, apis_timeline

router = SimpleRouter()
router.register("notes/rupture-markers", apis.RuptureMarkerViewSet, basename="rupture-marker")
router.register("notes/repair-strategies", apis.RepairStrategyViewSet, basename="repair-strategy")
router.register("notes/templates", apis.NoteTemplateViewSet, basename="note-template")
router.register("notes/overdue-alerts", apis_timeline.OverdueAlertViewSet, basename="overdue-note-alert")
router.register("progress-notes", apis.ProgressNoteViewSet, basename="progress-note")
router.register("ruptures", apis.RuptureViewSet, basename="rupture")
router.register("psychotherapy-notes", apis_psychotherapy.PsychotherapyNoteViewSet, basename="psychotherapy-note")

urlpatterns = [
    path("notes/clients/<int:pk>/timeline/", apis_timeline.ClientTimelineView.as_view(), name="client-timeline"),
    path("notes/clients/<int:pk>/session-prep/", apis_timeline.SessionPrepView.as_view(), name="client-session-prep"),
    path(
        "notes/appointments/<int:pk>/session-prep/",
        apis_timeline.AppointmentSessionPrepView.as_view(),
        name="appointment-session-prep",
    ),
    path("notes/clients/<int:pk>/two-views/", apis_checkins.ClientTwoViewsView.as_view(), name="client-two-views"),
    path("notes/caseload-attention/", apis_timeline.CaseloadAttentionView.as_view(), name="caseload-attention"),
    path("notes/overdue-summary/", apis_timeline.OverdueSummaryView.as_view(), name="overdue-summary"),
    *router.urls,
]
