"""The shell's own navigation entries (other apps register theirs in their AppConfig.ready)."""

from backend.web.nav import NavEntry, nav_register
from practice import roles

nav_register(
    NavEntry("Home", "web:home", roles=roles.ALL_ROLES, order=0),
    NavEntry("Account security", "web:account-security", roles=roles.ALL_ROLES, order=900),
)
