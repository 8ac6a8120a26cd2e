"""The admin's navigation entries and start page (registered from PracticeConfig.ready)."""

from backend.web.nav import NavEntry, nav_register, start_page_register
from practice import roles

ADMIN = {roles.ADMIN}

nav_register(
    NavEntry("Staff", "practice_pages:staff-list", roles=ADMIN, order=500),
    NavEntry("Invitations", "practice_pages:invitations", roles=ADMIN, order=505),
    NavEntry("Supervision", "practice_pages:supervision", roles=ADMIN, order=510),
    NavEntry("Settings", "practice_pages:settings", roles=ADMIN, order=520),
    NavEntry("Reminders", "practice_pages:reminder-policy", roles=ADMIN, order=550),
    NavEntry("Audit log", "practice_pages:audit", roles=ADMIN, order=590),
)
start_page_register(roles.ADMIN, "practice_pages:staff-list", priority=500)

# The front desk's clients (practice/pages/clients.py): every staff role reads them (a clinician: their caseload).
nav_register(NavEntry("Clients", "practice_pages:clients", roles=set(roles.STAFF_ROLES), order=20))
