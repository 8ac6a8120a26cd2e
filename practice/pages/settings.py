"""Practice settings and the reminder policy."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from backend.web.access import page
from backend.web.first_run import time_zone_choices
from backend.web.forms import SERVICE_ERRORS, apply_errors
from core.lookups import id_or_none
from practice.apis import PracticeView
from practice.services.practices import practice_update
from reminders.apis import ReminderPolicyView
from reminders.models import Channel
from reminders.services.policy import reminder_policy_for, reminder_policy_update

# Practice.settings keys this page keeps (others, such as an app's own, are left as they are).
LIFETIME_KEYS = ("session_idle_minutes", "session_max_hours", "token_idle_minutes", "token_max_hours")


class PracticeSettingsForm(forms.Form):
    name = forms.CharField(label="Practice name", max_length=200)
    time_zone = forms.ChoiceField(label="Time zone", help_text="The calendar's zone unless a person picks another.")
    cancellation_window_hours = forms.IntegerField(
        label="Late-cancellation window (hours)",
        min_value=0,
        max_value=720,
        help_text="A client's cancellation inside this many hours before a session counts as late.",
    )
    mfa_required = forms.BooleanField(
        label="Staff must use a second factor (authenticator app) to sign in", required=False
    )
    session_idle_minutes = forms.IntegerField(
        label="Sign out of the browser after this many idle minutes",
        min_value=5,
        max_value=24 * 60,
        required=False,
        help_text="Empty: the server's limit (30 minutes). A practice can only shorten it.",
    )
    session_max_hours = forms.IntegerField(
        label="Browser sign-in lasts at most (hours)",
        min_value=1,
        max_value=24,
        required=False,
        help_text="Empty: the server's limit (8 hours), however active the person is.",
    )
    token_idle_minutes = forms.IntegerField(
        label="Apps: sign out after this many idle minutes",
        min_value=5,
        max_value=24 * 60,
        required=False,
        help_text="Empty: the server's limit (60 minutes).",
    )
    token_max_hours = forms.IntegerField(
        label="Apps: a sign-in lasts at most (hours)",
        min_value=1,
        max_value=72,
        required=False,
        help_text="Empty: the server's limit (12 hours).",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = time_zone_choices()


def _initial(practice) -> dict:
    settings = practice.settings or {}
    initial = {
        "name": practice.name,
        "time_zone": practice.time_zone,
        "cancellation_window_hours": practice.cancellation_window_hours,
        "mfa_required": settings.get("mfa_required", True),
    }
    initial.update({key: settings.get(key) for key in LIFETIME_KEYS})
    return initial


@page(roles=PracticeView.write_roles)
@require_http_methods(["GET", "POST"])
def practice_settings(request):
    practice = request.membership.practice
    form = PracticeSettingsForm(request.POST if request.method == "POST" else None, initial=_initial(practice))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        new_settings = {**(practice.settings or {}), "mfa_required": data["mfa_required"]}
        for key in LIFETIME_KEYS:
            if data[key] is None:
                new_settings.pop(key, None)
            else:
                new_settings[key] = data[key]
        try:
            practice_update(
                actor=request.membership,
                name=data["name"],
                time_zone=data["time_zone"],
                cancellation_window_hours=data["cancellation_window_hours"],
                settings=new_settings,
            )
        except SERVICE_ERRORS as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Practice settings saved.")
            return redirect("practice_pages:settings")
    return render(request, "practice/settings.html", {"form": form})


class ReminderPolicyForm(forms.Form):
    steps = forms.CharField(
        label="Reminders before each session",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One per line: minutes before the session, then the channel ("
        + ", ".join(Channel.values)
        + "). For example: 1440 email, then 120 sms.",
    )
    send_confirmation = forms.BooleanField(label="Send a confirmation when a session is booked", required=False)
    send_change_notices = forms.BooleanField(
        label="Send a notice when a session is moved, changed or cancelled", required=False
    )

    def clean_steps(self):
        steps = []
        for number, line in enumerate(self.cleaned_data["steps"].splitlines(), start=1):
            parts = line.replace(",", " ").split()
            if not parts:
                continue
            if len(parts) != 2 or id_or_none(parts[0], low=0) is None:
                raise forms.ValidationError(f"Line {number}: write the minutes, then the channel (e.g. 1440 email).")
            steps.append({"offset_minutes": int(parts[0]), "channel": parts[1].lower()})
        return steps


def _steps_text(steps) -> str:
    return "\n".join(f"{s['offset_minutes']} {s['channel']}" for s in steps)


@page(roles=ReminderPolicyView.write_roles)
@require_http_methods(["GET", "POST"])
def reminder_policy(request):
    policy = reminder_policy_for(practice=request.membership.practice)
    initial = {
        "steps": _steps_text(policy.steps),
        "send_confirmation": policy.send_confirmation,
        "send_change_notices": policy.send_change_notices,
    }
    form = ReminderPolicyForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            reminder_policy_update(actor=request.membership, **form.cleaned_data)
        except SERVICE_ERRORS as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Reminder policy saved. It applies to sessions booked or changed from now on.")
            return redirect("practice_pages:reminder-policy")
    return render(request, "practice/reminder_policy.html", {"form": form})
