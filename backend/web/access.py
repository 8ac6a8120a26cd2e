"""Who is on a page: the signed-in person, the membership they act through, and the role gate.

The rules are the API's (backend/api/views.py resolve_membership, backend/api/permissions.py):

- the practice is the session's chosen one (the API's X-Practice header); a person in exactly one practice
  needs no choice; a person in several chooses (web:choose-practice); one in none gets 403;
- a role outside the page's roles answers 404 on an object page (a URL with an id: the object is not
  acknowledged) and 403 on a collection page;
- the practice's session rules hold on every page: `session_idle_minutes`, `session_max_hours` and the
  second factor when `mfa_required` (a session signed in without one is asked to sign in again).

Use the decorator on function views and the mixin on class views:

    @page(roles=SCHEDULE_READ_ROLES)
    def calendar(request): ...

    class StaffList(PageView, TemplateView):
        roles = {roles.ADMIN}
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from functools import wraps

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from backend.api.sessions import LOGIN_AT
from backend.web.services import signed_in_session_forget
from practice.models import Membership
from practice.services.second_factor import (
    SESSION_SECOND_FACTOR,
    membership_requires_second_factor,
    session_second_factor_given,
)

PRACTICE_KEY = "attune_practice"  # the id of the practice the session acts in
MFA_KEY = SESSION_SECOND_FACTOR  # the factor this session's sign-in gave (practice/services/second_factor.py)
LAST_SEEN_KEY = "attune_last_seen"  # last page request (the practice's idle rule)

NO_PRACTICE = "You are not a member of any practice."


def session_memberships(request) -> list[Membership]:
    """The signed-in person's active memberships, with their practices: one query per request."""
    if not hasattr(request, "_attune_memberships"):
        request._attune_memberships = list(
            Membership.objects.select_related("practice", "user")
            .filter(user=request.user, is_active=True)
            .order_by("practice__name", "pk")
        )
    return request._attune_memberships


def resolve_page_membership(request) -> Membership | None:
    """The membership this request acts through, or None when the person must choose a practice first.
    Raises PermissionDenied when they belong to no practice (the API's 403)."""
    memberships = session_memberships(request)
    chosen = request.session.get(PRACTICE_KEY)
    if chosen is not None:
        for membership in memberships:
            if membership.practice_id == chosen:
                return membership
        del request.session[PRACTICE_KEY]  # deactivated or removed since: choose again
    if len(memberships) == 1:
        request.session[PRACTICE_KEY] = memberships[0].practice_id
        return memberships[0]
    if not memberships:
        raise PermissionDenied(NO_PRACTICE)
    return None


def end_session(request, message: str) -> HttpResponse:
    """Sign out and send the person to the sign-in page with `message`, coming back here afterwards."""

    signed_in_session_forget(session_key=request.session.session_key)
    logout(request)
    messages.info(request, message)
    return redirect_to_login(request.get_full_path(), reverse("web:sign-in"))


def enforce_session_policy(request, membership: Membership) -> HttpResponse | None:
    """The practice's own session rules (it may only shorten the global ones in backend/api/sessions.py)."""
    policy = membership.practice.settings or {}
    session = request.session
    now = time.time()
    max_hours = policy.get("session_max_hours")
    started = session.get(LOGIN_AT)
    if max_hours and started is not None and now - started > float(max_hours) * 3600:
        return end_session(request, "You have been signed in for the longest time this practice allows. Sign in again.")
    idle = policy.get("session_idle_minutes")
    last_seen = session.get(LAST_SEEN_KEY)
    if idle and last_seen is not None and now - last_seen > float(idle) * 60:
        return end_session(request, "You were signed out after a period of inactivity. Sign in again.")
    if membership_requires_second_factor(membership) and not session_second_factor_given(session):
        return end_session(request, "This practice asks for a second factor. Sign in again to give it.")
    session[LAST_SEEN_KEY] = now
    return None


def gate(request, *, allowed: frozenset[str] | None, object_page: bool) -> HttpResponse | None:
    """Sets request.membership; returns a response (redirect) when the request may not go on."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("web:sign-in"))
    membership = resolve_page_membership(request)
    if membership is None:
        return redirect_to_login(request.get_full_path(), reverse("web:choose-practice"))
    refused = enforce_session_policy(request, membership)
    if refused is not None:
        return refused
    request.membership = membership
    if allowed is not None and not membership.has_role(*allowed):
        if object_page:
            raise Http404
        raise PermissionDenied("Your role in this practice does not allow this page.")
    return None


def page(*, roles: Iterable[str], object_page: bool | None = None):
    """A page for members holding one of `roles` (import the API's role sets; never retype them).
    `object_page` defaults to "the URL carries arguments" (an object's id), as the API's permission does."""
    allowed = frozenset(roles)
    if not allowed:
        raise ValueError("page(roles=...) needs at least one role")

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            is_object = bool(kwargs or args) if object_page is None else object_page
            refused = gate(request, allowed=allowed, object_page=is_object)
            if refused is not None:
                return refused
            return view(request, *args, **kwargs)

        wrapper.page_roles = allowed
        return wrapper

    return decorate


def signed_in(view):
    """A page for any signed-in person, before or without a chosen practice (account, practice choice)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("web:sign-in"))
        try:  # for the header (practice, roles, navigation) when there is one; no role gate here
            request.membership = resolve_page_membership(request)
        except PermissionDenied:
            request.membership = None
        if request.membership is not None:  # the practice's session rules hold here too
            refused = enforce_session_policy(request, request.membership)
            if refused is not None:
                return refused
        return view(request, *args, **kwargs)

    wrapper.page_roles = None
    return wrapper


class PageView:
    """Class-based pages: `roles = {...}` (required), `object_page` as for page()."""

    roles: Iterable[str] = ()
    object_page: bool | None = None

    def dispatch(self, request, *args, **kwargs):
        allowed = frozenset(self.roles)
        if not allowed:
            raise ValueError(f"{type(self).__name__}.roles is empty")
        is_object = bool(kwargs or args) if self.object_page is None else self.object_page
        refused = gate(request, allowed=allowed, object_page=is_object)
        if refused is not None:
            return refused
        return super().dispatch(request, *args, **kwargs)


def switch_practice_to(request, practice_id) -> Membership:
    """The switcher: only to a practice the person is an active member of (else 403, as the API's header)."""
    for membership in session_memberships(request):
        if str(membership.practice_id) == str(practice_id):
            request.session[PRACTICE_KEY] = membership.practice_id
            return membership
    raise PermissionDenied("You are not a member of that practice.")


def go_home():
    return redirect("web:home")
