"""The schedule's pages (docs/webapp.md): the calendar, booking, free times, series, an appointment."""

from django.urls import path

from scheduling.pages import appointment, booking, calendar, series, setup, waitlist

app_name = "scheduling_pages"

urlpatterns = [
    path("calendar/", calendar.calendar, name="calendar"),
    path("book/", booking.book, name="book"),
    path("book/clients/", booking.client_search, name="client-search"),
    path("slots/", booking.slots, name="slots"),
    path("series/new/", series.series_new, name="series-new"),
    path("appointments/<int:pk>/", appointment.appointment, name="appointment"),
    path("appointments/<int:pk>/reschedule/", appointment.reschedule, name="reschedule"),
    path("appointments/<int:pk>/place/", appointment.change_place, name="change-place"),
    path("appointments/<int:pk>/cancel/", appointment.cancel, name="cancel"),
    path("appointments/<int:pk>/status/", appointment.transition, name="transition"),
    path("appointments/<int:pk>/series-cancel/", appointment.series_cancel, name="series-cancel"),
    path("messages/<int:pk>/resend/", appointment.reminder_resend, name="reminder-resend"),
    path("waitlist/", waitlist.waitlist, name="waitlist"),
    path("waitlist/<int:pk>/remove/", waitlist.waitlist_remove_page, name="waitlist-remove"),
    path("waitlist/<int:pk>/offer/", waitlist.waitlist_offer_page, name="waitlist-offer"),
    # The admin's settings of the schedule, under /manage/ with the practice's own (scheduling/pages/setup.py).
    path("manage/locations/", setup.LIST_PAGES["locations"], name="locations"),
    path("manage/locations/<int:pk>/", setup.EDIT_PAGES["locations"], name="locations-edit"),
    path("manage/rooms/", setup.LIST_PAGES["rooms"], name="rooms"),
    path("manage/rooms/<int:pk>/", setup.EDIT_PAGES["rooms"], name="rooms-edit"),
    path("manage/appointment-types/", setup.LIST_PAGES["appointment-types"], name="appointment-types"),
    path("manage/appointment-types/<int:pk>/", setup.EDIT_PAGES["appointment-types"], name="appointment-types-edit"),
]
