"""The therapist's and the supervisor's navigation entries and start pages (registered from NotesConfig.ready)."""

from backend.web.nav import NavEntry, nav_register, start_page_register
from notes.pages.shared import CLINICAL, SUPERVISORS
from practice import roles

SUPERVISOR = SUPERVISORS

nav_register(
    NavEntry("My day", "notes_pages:day", roles=CLINICAL, order=20),
    NavEntry("My week", "notes_pages:week", roles=CLINICAL, order=21),
    NavEntry("Needs attention", "notes_pages:attention", roles=CLINICAL, order=25),
    NavEntry("Caseload", "notes_pages:clients", roles=CLINICAL, order=30),
    NavEntry("Process notes", "notes_pages:process-notes", roles=CLINICAL, order=40),
    NavEntry("Co-sign", "notes_pages:cosign-queue", roles=SUPERVISOR, order=50),
    NavEntry("Supervision", "notes_pages:supervision", roles=SUPERVISOR, order=51),
)
start_page_register(roles.CLINICIAN, "notes_pages:day", priority=20)
start_page_register(roles.SUPERVISOR, "notes_pages:day", priority=20)
