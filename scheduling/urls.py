from django.urls import path
from rest_framework.routers import SimpleRouter

from scheduling import apis

router = SimpleRouter()
router.register("locations", apis.LocationViewSet, basename="location")
router.register("rooms", apis.RoomViewSet, basename="room")
router.register("appointment-types", apis.AppointmentTypeViewSet, basename="appointment-type")
router.register("availability-rules", apis.AvailabilityRuleViewSet, basename="availability-rule")
router.register("availability-exceptions", apis.AvailabilityExceptionViewSet, basename="availability-exception")
router.register("appointments", apis.AppointmentViewSet, basename="appointment")
# Before "series": otherwise series/{pk}/ would take "skipped-occurrences" for a series id.
router.register("series/skipped-occurrences", apis.SeriesSkippedOccurrenceViewSet, basename="series-skipped-occurrence")
router.register("series", apis.SeriesViewSet, basename="series")
router.register("waitlist", apis.WaitlistViewSet, basename="waitlist")

urlpatterns = [
    path("slots/", apis.SlotsView.as_view(), name="slots"),
    path("calendar-feed/", apis.CalendarFeedView.as_view(), name="calendar-feed"),
    path("calendar/<str:token>.ics", apis.CalendarFeedPublicView.as_view(), name="calendar-ics"),
    *router.urls,
]
