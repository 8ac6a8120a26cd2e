"""The schedule's navigation entries and the front desk's start page (registered from SchedulingConfig.ready)."""

from backend.web.nav import NavEntry, nav_register, start_page_register
from practice import roles
from scheduling.pages.shared import BOOKING_ROLES, CALENDAR_ROLES, SERIES_ROLES
from scheduling.pages.waitlist import WAITLIST_READERS

nav_register(
    NavEntry("Calendar", "scheduling_pages:calendar", roles=CALENDAR_ROLES, order=10),
    NavEntry("Book", "scheduling_pages:book", roles=BOOKING_ROLES, order=12),
    NavEntry("Find a slot", "scheduling_pages:slots", roles=BOOKING_ROLES, order=14),
    NavEntry("Series", "scheduling_pages:series-new", roles=SERIES_ROLES, order=16),
    NavEntry("Waitlist", "scheduling_pages:waitlist", roles=WAITLIST_READERS, order=22),
)
# The admin's settings of the schedule, between the practice's Settings (520) and Reminders (550) (practice/nav.py).
ADMIN = {roles.ADMIN}
nav_register(
    NavEntry("Locations", "scheduling_pages:locations", roles=ADMIN, order=530),
    NavEntry("Rooms", "scheduling_pages:rooms", roles=ADMIN, order=535),
    NavEntry("Appointment types", "scheduling_pages:appointment-types", roles=ADMIN, order=540),
)
start_page_register(roles.FRONT_DESK, "scheduling_pages:calendar", priority=10)
