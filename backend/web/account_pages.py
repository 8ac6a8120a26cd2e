"""Password reset and invitation acceptance as pages, through the API's services (practice/services/passwords.py,
practice/services/members.py) and its rate limit. The paths are the ones the emailed links carry."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from backend.web.forms import SERVICE_ERRORS, apply_errors
from backend.web.throttle import throttle_anon_auth
from practice.auth import RESET_SENT
from practice.services.members import invitation_accept
from practice.services.passwords import password_reset_confirm, password_reset_request

PASSWORD_HELP = "At least 10 characters; not a common password, not all digits, not like your email."


class ForgotPasswordForm(forms.Form):
    email = forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "username"}))


class NewPasswordForm(forms.Form):
    new_password = forms.CharField(
        label="New password",
        strip=False,
        help_text=PASSWORD_HELP,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password_again = forms.CharField(
        label="New password again", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password") != data.get("new_password_again"):
            self.add_error("new_password_again", "The two passwords are not the same.")
        return data


class AcceptInvitationForm(NewPasswordForm):
    full_name = forms.CharField(
        label="Your name", max_length=200, required=False, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    field_order = ["full_name", "new_password", "new_password_again"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password"].label = "Password"
        self.fields["new_password"].help_text = PASSWORD_HELP + " If you already have an Attune account, its password."
        self.fields["new_password_again"].label = "Password again"


@require_http_methods(["GET", "POST"])
def forgot_password(request):
    form = ForgotPasswordForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        throttle_anon_auth(request)
        if form.is_valid():
            password_reset_request(email=form.cleaned_data["email"])
            messages.info(request, RESET_SENT)  # the same answer whether or not the account exists
            return redirect("web:sign-in")
    return render(request, "web/auth/forgot_password.html", {"form": form})


@require_http_methods(["GET", "POST"])
def reset_password(request):
    uid, token = request.GET.get("uid", ""), request.GET.get("token", "")
    form = NewPasswordForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        throttle_anon_auth(request)
        if form.is_valid():
            try:
                password_reset_confirm(uid=uid, token=token, new_password=form.cleaned_data["new_password"])
            except SERVICE_ERRORS as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "Your password has been changed. Sign in with the new one.")
                return redirect("web:sign-in")
    return render(request, "web/auth/reset_password.html", {"form": form, "link_ok": bool(uid and token)})


@require_http_methods(["GET", "POST"])
def accept_invitation(request):
    token = request.GET.get("token", "")
    form = AcceptInvitationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        throttle_anon_auth(request)
        if form.is_valid():
            try:
                membership = invitation_accept(
                    token=token, password=form.cleaned_data["new_password"], full_name=form.cleaned_data["full_name"]
                )
            except SERVICE_ERRORS as exc:
                apply_errors(form, exc, field_map={"password": "new_password"})
            else:
                messages.success(request, f"You have joined {membership.practice.name}. Sign in to start.")
                return redirect("web:sign-in")
    return render(request, "web/auth/accept_invitation.html", {"form": form, "link_ok": bool(token)})
