"""Signing in to the portal from a one-time link sent by email (practice/services/signin_links.py): a page to ask
for one (the same answer whether or not the address has an account), and a page that spends it only on a button
press (a POST), so a mail scanner that opens the link signs nobody in."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from backend.portal.forms import EmailForm, TokenForm
from backend.web.access import PRACTICE_KEY
from backend.web.auth_pages import NEXT_KEY, _complete_sign_in
from backend.web.throttle import throttle_anon_auth
from core.errors import DomainError
from practice.services.signin_links import sign_in_link_peek, sign_in_link_request, sign_in_link_use


@require_http_methods(["GET", "POST"])
def sign_in_link(request):
    form = EmailForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        throttle_anon_auth(request)
        if form.is_valid():
            sign_in_link_request(email=form.cleaned_data["email"])
            return render(request, "portal/sign_in_link_sent.html", {"email": form.cleaned_data["email"]})
    return render(request, "portal/sign_in_link.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in_link_use_page(request):
    throttle_anon_auth(request)
    if request.method == "POST":
        form = TokenForm(request.POST)
        try:
            if not form.is_valid():
                raise DomainError("This sign-in link has expired or has been used.", code="sign_in_link_invalid")
            used = sign_in_link_use(token=form.cleaned_data["token"])
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("portal_pages:sign-in-link")
        request.session[NEXT_KEY] = reverse("portal_pages:sessions")
        response = _complete_sign_in(request, used.user, second_factor=False)
        request.session[PRACTICE_KEY] = used.practice_id
        return response
    token = request.GET.get("token", "")
    link = sign_in_link_peek(token=token)
    context = {"usable": link is not None, "practice": link.practice if link else None}
    context["form"] = TokenForm(initial={"token": token})
    response = render(request, "portal/sign_in_link_use.html", context, status=200 if link else 400)
    response["Referrer-Policy"] = "same-origin"  # "no-referrer" would send "Origin: null": CSRF refuses it
    return response
