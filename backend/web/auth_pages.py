"""Signing in and out, and the second factor, as pages: the API's decisions and services
(practice/services/signin.py, practice/services/mfa.py), the API's lockout and rate limit, one second factor
per person for both the browser and the API."""

from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth import login, logout
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from backend.web.access import LAST_SEEN_KEY, MFA_KEY, signed_in
from backend.web.errors import error_page
from backend.web.forms import CodeForm, ConfirmCodeForm, SignInForm, apply_errors
from backend.web.services import sign_out_everywhere, signed_in_session_forget, signed_in_session_record
from backend.web.throttle import throttle_anon_auth
from core.errors import DomainError
from practice.selectors import any_practice_exists
from practice.services.mfa import (
    mfa_challenge_issue,
    mfa_challenge_user,
    mfa_confirm,
    mfa_disable,
    mfa_enrol_begin,
    mfa_pending_uri,
    mfa_status,
    mfa_verify,
)
from practice.services.second_factor import session_mark_second_factor
from practice.services.signin import signin_password_check

PENDING_KEY = "attune_pending_challenge"  # the signed challenge between the password and the second factor
NEXT_KEY = "attune_next"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _safe_next(request, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("web:home")


def qr_svg(uri: str) -> str:
    """The otpauth URI as a QR code, drawn on the server as an SVG data: URI for an <img> (no request, no script)."""
    import segno

    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2, dark="#111", light="#fff")


def _complete_sign_in(request, user, *, second_factor: str = ""):
    """`second_factor`: the factor this sign-in gave ("totp", "recovery_code"), or "" for a password alone."""
    next_url = request.session.get(NEXT_KEY)
    login(request, user, backend=getattr(user, "backend", MODEL_BACKEND))  # rotates the session key
    request.session.pop(PENDING_KEY, None)
    request.session.pop(NEXT_KEY, None)
    if second_factor:
        session_mark_second_factor(session=request.session, method=second_factor)
    request.session[LAST_SEEN_KEY] = time.time()
    request.session.save()
    signed_in_session_record(user=user, session_key=request.session.session_key)
    return redirect(_safe_next(request, next_url))


def _pending_user(request):
    """The person between the two steps, or None (no challenge, or it expired: start again)."""
    challenge = request.session.get(PENDING_KEY)
    if not challenge:
        return None
    try:
        return mfa_challenge_user(challenge=challenge)
    except DomainError:
        request.session.pop(PENDING_KEY, None)
        return None


@require_http_methods(["GET", "POST"])
def sign_in(request):
    if request.user.is_authenticated:
        return redirect(_safe_next(request, request.GET.get("next")))
    form = SignInForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        throttle_anon_auth(request)
        if form.is_valid():
            try:
                checked = signin_password_check(
                    request=request, email=form.cleaned_data["email"], password=form.cleaned_data["password"]
                )
            except DomainError as exc:  # a lockout never gets here: django-axes answers it with the 429 page
                apply_errors(form, exc)
            else:
                request.session[NEXT_KEY] = _safe_next(request, request.GET.get("next"))
                if not checked.mfa_needed:
                    return _complete_sign_in(request, checked.user)
                request.session[PENDING_KEY] = mfa_challenge_issue(user=checked.user)
                return redirect("web:sign-in-code" if checked.mfa_enrolled else "web:sign-in-enrol")

    return render(request, "web/auth/sign_in.html", {"form": form, "first_run": not any_practice_exists()})


@require_http_methods(["GET", "POST"])
def sign_in_code(request):
    user = _pending_user(request)
    if user is None:
        messages.info(request, "Sign in with your email and password first.")
        return redirect("web:sign-in")
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        throttle_anon_auth(request)
        if form.is_valid():
            try:
                method = mfa_verify(
                    user=user, code=form.cleaned_data["code"], recovery_code=form.cleaned_data["recovery_code"]
                )
            except DomainError as exc:
                apply_errors(form, exc)
            else:
                return _complete_sign_in(request, user, second_factor=method)
    return render(request, "web/auth/sign_in_code.html", {"form": form})


@require_http_methods(["GET", "POST"])
def sign_in_enrol(request):
    """A person whose practice requires a second factor and who has none sets it up before signing in."""
    user = _pending_user(request)
    if user is None:
        messages.info(request, "Sign in with your email and password first.")
        return redirect("web:sign-in")
    return _enrol(request, user, finish=lambda: _complete_sign_in(request, user, second_factor="totp"))


def _enrol(request, user, *, finish):
    """Start: a POST with action=start (a new secret and recovery codes, shown once in this answer).
    Confirm: a POST with a code; a valid one confirms the device and calls `finish`."""
    context = {"form": ConfirmCodeForm(), "step": "intro"}
    if request.method == "POST" and request.POST.get("action") == "start":
        throttle_anon_auth(request)
        try:
            enrolment = mfa_enrol_begin(user=user)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("web:account-security" if request.user.is_authenticated else "web:sign-in")
        context.update(step="scan", qr=qr_svg(enrolment["otpauth_uri"]), secret=enrolment["secret"])
        context["recovery_codes"] = enrolment["recovery_codes"]
    elif request.method == "POST":
        throttle_anon_auth(request)
        form = ConfirmCodeForm(request.POST)
        context["form"] = form
        if form.is_valid():
            try:
                mfa_confirm(user=user, code=form.cleaned_data["code"])
            except DomainError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "Your second factor is set up. Keep your recovery codes somewhere safe.")
                return finish()
        uri = mfa_pending_uri(user=user)
        if uri is None:
            context["step"] = "intro"
        else:
            context.update(step="scan", qr=qr_svg(uri))
    return render(request, "web/auth/enrol.html", context)


@require_POST
def sign_out(request):
    signed_in_session_forget(session_key=request.session.session_key)
    logout(request)
    messages.info(request, "You are signed out.")
    return redirect("web:sign-in")


@require_POST
@signed_in
def sign_out_all(request):
    ended = sign_out_everywhere(user=request.user)
    logout(request)
    messages.info(request, f"You are signed out everywhere ({ended} browser session(s) and every API token).")
    return redirect("web:sign-in")


@signed_in
@require_http_methods(["GET", "POST"])
def account_security(request):
    """The second factor of the signed-in person: status, set up, turn off."""
    user = request.user
    action = request.POST.get("action") if request.method == "POST" else None
    if action in ("start", "confirm"):

        def finish():
            session_mark_second_factor(session=request.session, method="totp")  # this session has now given it
            return redirect("web:account-security")

        return _enrol(request, user, finish=finish)
    if action not in (None, "disable"):
        return error_page(request, 400)
    disable_form = CodeForm(request.POST if action == "disable" else None)
    if action == "disable" and disable_form.is_valid():
        try:
            mfa_disable(
                user=user,
                code=disable_form.cleaned_data["code"],
                recovery_code=disable_form.cleaned_data["recovery_code"],
            )
        except DomainError as exc:
            apply_errors(disable_form, exc)
        else:
            request.session.pop(MFA_KEY, None)
            messages.success(request, "Your second factor is turned off.")
            return redirect("web:account-security")
    return render(
        request, "web/auth/account_security.html", {"status": mfa_status(user=user), "disable_form": disable_form}
    )
