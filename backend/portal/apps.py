from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The client portal's pages (docs/webapp.md, "Portal"): sessions, forms, details, sign-in links and the
    reminder links' pages, over the apps' own selectors and services."""

    name = "backend.portal"
    label = "portal"
    verbose_name = "Client portal"

    def ready(self):
        # imported in ready(): other modules load once the app registry is ready (Django's rule for AppConfig)
        from backend.web.nav import NavEntry, nav_register, start_page_register
        from practice.roles import CLIENT

        nav_register(
            NavEntry("My sessions", "portal_pages:sessions", roles={CLIENT}, order=10),
            NavEntry("My forms", "portal_pages:forms", roles={CLIENT}, order=20),
            NavEntry("My details", "portal_pages:details", roles={CLIENT}, order=30),
        )
        start_page_register(CLIENT, "portal_pages:sessions")
