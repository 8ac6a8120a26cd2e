"""Intake's places in the shell (registered from IntakeConfig.ready): the admin's forms in the navigation, after
the practice's Reminders (550), and the packets section of the client's page."""

from backend.web.nav import NavEntry, nav_register
from backend.web.panels import ClientPanel, client_panel_register
from intake.pages.packets import client_packets_panel
from practice import roles

nav_register(NavEntry("Forms", "intake_pages:forms", roles={roles.ADMIN}, order=560))
client_panel_register(ClientPanel("intake-packets", "intake/client_packets.html", client_packets_panel))
