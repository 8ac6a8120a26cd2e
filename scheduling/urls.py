from django.urls import path
from rest_framework.routers import SimpleRouter

from scheduling.apis import appointments, availability, calendar, links, resources, series, waitlist

router = SimpleRouter()
router.register("locations", resources.LocationViewSet, basename="location")
router.register("rooms", resources.RoomViewSet, basename="room")
router.register("appointment-types", resources.AppointmentTypeViewSet, basename="appointment-type")
router.register("availability-rules", availability.AvailabilityRuleViewSet, basename="availability-rule")
router.register("availability-exceptions", availability.AvailabilityExceptionViewSet, basename="availability-exception")
router.register("appointments", appointments.AppointmentViewSet, basename="appointment")
# Before "series": otherwise series/{pk}/ would take "skipped-occurrences" for a series id.
router.register(
    "series/skipped-occurrences", series.SeriesSkippedOccurrenceViewSet, basename="series-skipped-occurrence"
)
router.register("series", series.SeriesViewSet, basename="series")
router.register("waitlist", waitlist.WaitlistViewSet, basename="waitlist")

urlpatterns = [
    path("slots/", availability.SlotsView.as_view(), name="slots"),
    path("appointments-to-move/", availability.AppointmentsToMoveView.as_view(), name="appointments-to-move"),
    path("calendar-feed/", calendar.CalendarFeedView.as_view(), name="calendar-feed"),
    # The confirm/cancel links in reminders keep their address under reminders/ (before reminders' router, whose
    # reminders/{pk}/ would take "links"): backend/urls.py includes scheduling's URLs first.
    path("reminders/links/", links.AppointmentLinkView.as_view(), name="reminder-link"),
    path("calendar/<str:token>.ics", calendar.CalendarFeedPublicView.as_view(), name="calendar-ics"),
    *router.urls,
]
