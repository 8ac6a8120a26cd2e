"""The shell's own pages (backend/web/page_urls.py)."""

from tests.pages.matrix import SIGNED_IN, PageRow, every


def _switch_to(scope):
    return lambda world, _scope=None: {"practice": world.tenant(scope).practice.pk}


ROWS = [
    # Home sends each role to its start page (302) once an app registers one; until then it lists the places.
    PageRow("web:home", {"anon": 302, **every((200, 302))}),
    PageRow("web:sign-in", {"anon": 200, **every(302)}),  # signed in already: on to the start page
    PageRow("web:sign-in-code", {"anon": 302, **every(302)}),  # no password step yet: back to sign-in
    PageRow("web:sign-in-enrol", {"anon": 302, **every(302)}),
    PageRow("web:sign-out", {"anon": 405, **every(405)}),
    PageRow("web:sign-out", {"anon": 302, **every(302)}, method="post"),
    PageRow("web:sign-out-everywhere", {"anon": 405, **every(405)}),
    PageRow("web:sign-out-everywhere", {"anon": 302, **every(302)}, method="post"),
    PageRow("web:account-security", {"anon": 302, **every(200)}),
    PageRow("web:choose-practice", {"anon": 302, **every(302)}),  # one practice each: nothing to choose
    PageRow("web:switch-practice", {"anon": 405, **every(405)}),
    PageRow("web:switch-practice", {"anon": 302, **every(302)}, method="post", data=_switch_to("mine"), id="own"),
    PageRow("web:switch-practice", {"anon": 302, **every(403)}, method="post", data=_switch_to("other"), id="other"),
]
assert all(set(SIGNED_IN) <= set(row.expect) for row in ROWS)

ROWS += [
    PageRow("web:forgot-password", {"anon": 200, **every(200)}),
    PageRow("web:reset-password", {"anon": 200, **every(200)}),
    PageRow("web:accept-invitation", {"anon": 200, **every(200)}),
    PageRow("web:first-run", {"anon": 404, **every(404)}),  # the world has practices and no link was given
]
