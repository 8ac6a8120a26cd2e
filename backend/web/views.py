"""The shell's own pages: home (sends each role to its start page), choosing and switching practice.

The page gate itself (`page`, `PageView`, `signed_in`) lives in backend/web/access.py and is re-exported here.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from backend.web.access import PageView, page, resolve_page_membership, session_memberships, signed_in
from backend.web.access import switch_practice_to as _switch
from backend.web.nav import nav_entries, start_url
from practice import roles

__all__ = ["PageView", "page", "signed_in", "home", "choose_practice", "switch_practice"]


@require_GET
@page(roles=roles.ALL_ROLES)
def home(request):
    target = start_url(request.membership)
    if target and target != request.path:
        return redirect(target)
    # Until an app registers a start page for the role: the places this member can go.
    return render(request, "web/home.html", {"entries": nav_entries(request.membership, request.path)[1:]})


@require_GET
@signed_in
def choose_practice(request):
    memberships = session_memberships(request)
    if len(memberships) == 1:
        resolve_page_membership(request)
        return redirect("web:home")
    return render(request, "web/choose_practice.html", {"memberships": memberships})


@require_POST
@signed_in
def switch_practice(request):
    membership = _switch(request, request.POST.get("practice"))
    messages.success(request, f"You are now working in {membership.practice.name}.")
    return redirect("web:home")
