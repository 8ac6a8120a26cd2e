"""The admin's pages (docs/webapp.md): staff, invitations, supervision, practice settings, locations, rooms,
appointment types, reminder policy, intake forms, the audit log. Each calls the selectors and services the
API's views call, gated by those views' own role sets."""
