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
start_page_register(roles.FRONT_DESK, "scheduling_pages:calendar", priority=10)
